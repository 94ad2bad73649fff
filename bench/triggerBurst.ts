/**
 * Kling Trigger under a burst (issue 15): N tasks end at the same moment and APIXO calls the trigger's production
 * URL for all of them at once. Each callback is delivered the way APIXO delivers it — through the simulator's
 * /__sim/callback (a real APIXO-shaped POST, answered within 30 s or counted as no answer), and delivered again
 * after 30, 60 and 120 s (APIXO's schedule; --retry-scale shortens it, making a slow n8n's outages cost more
 * deliveries than they would) while the answer is not 200, at most 4 times in all.
 *
 *   node build/bench/triggerBurst.js [--no-build] [--sizes 200,1000] [--modes single,queue] [--out DIR]
 *     [--retry-scale 1] [--variants refused,verify,noverify] [--n8n-version V] [--profile] [--report-only]
 *
 * Measured per burst: the answer time of every delivery (p50/p95/max of the first ones; time to the 200 of each
 * task, retries included), retries, executions started, tasks with more than one execution (duplicates), tasks
 * with none (lost), and the CPU n8n spent per callback. Writes <out>/trigger.json and trigger.md.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { CREDENTIAL, startEnvironment, type Environment, type Mode } from '../scripts/e2e/environment';
import { cpuMsOf, groupCpuDelta, groupCpuMs, loadAverage, machineBusyMs, sampleRss } from './lib/proc';
import { round, summarize, type Summary } from './lib/stats';
import { Profiler, type CpuBreakdown } from './triggerProfile';

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
const log = (line: string) => process.stderr.write(`[trigger-bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

/** APIXO: a receiver has 30 s to answer 200; then the callback is delivered again after 30, 60 and 120 s. */
export const ANSWER_TIMEOUT_MS = 30_000;
export const RETRY_DELAYS_MS = [30_000, 60_000, 120_000];
const TOKEN = 'bench-trigger-token';

/**
 * The trigger configurations measured: the default (verified with APIXO), for comparison unverified, and n8n's
 * floor: every callback sent without the token, so the node refuses it (401) before it does anything else and
 * nothing starts — what n8n itself spends on reaching a community trigger's webhook() (loading the workflow, its
 * expression isolate), delivered once each.
 */
export type Variant = 'verify' | 'noverify' | 'refused';
const VARIANTS: Record<Variant, { id: string; path: string; verifyWithApi: boolean }> = {
	verify: { id: 'benchTriggerVer1', path: 'bench-trigger-verify', verifyWithApi: true },
	noverify: { id: 'benchTriggerNoV1', path: 'bench-trigger-noverify', verifyWithApi: false },
	refused: { id: 'benchTriggerRef1', path: 'bench-trigger-refused', verifyWithApi: true },
};
const VARIANT_LABELS: Record<Variant, string> = { verify: 'verified', noverify: 'unverified', refused: "refused at once (n8n's floor)" };

export interface BurstResult {
	mode: Mode;
	variant: Variant;
	n: number;
	/** Answer time of the first delivery of each task, ms (a delivery not answered within 30 s counts as 30 s). */
	firstAnswer: Summary;
	/** From the burst to each task's 200 (retries and their delays included), ms; tasks never answered 200 left out. */
	timeTo200: Summary;
	/** Answers of all deliveries by HTTP status (0: none within 30 s, or a network error). */
	answers: Record<string, number>;
	deliveries: number;
	retries: number;
	/** Tasks answered 200 on their first delivery. */
	firstTime200: number;
	executionsStarted: number;
	executionsNotSucceeded: number;
	/** Tasks with more than one execution (and how many extra executions). */
	duplicateTasks: number;
	extraExecutions: number;
	/** Tasks with no execution at all once everything settled (queued or running ones count as started). */
	lostTasks: number;
	/** Executions not ended when the measurement stopped waiting (5 minutes after the last delivery). */
	executionsNotEnded: number;
	/** First delivery → the last execution of the burst ended, ms. */
	drainMs: number;
	/** CPU of the n8n processes that handled the burst (single: main; queue: main + webhook + worker), per callback. */
	n8nCpuMsPerCallback: number;
	simulatorCpuMsPerCallback: number;
	/** The highest resident memory of the process that answered the callbacks (single: main; queue: webhook), MB. */
	peakRssMb: number;
	/** Cores kept busy by other processes on the machine during the burst, on average. */
	otherCores: number;
	load1: number;
	/** With --profile: where the process that answered the callbacks spent its CPU (the profiler slows it down). */
	profile?: CpuBreakdown;
}

export interface TriggerBenchResults {
	date: string;
	durationS: number;
	machine: { cores: number; cpuModel: string; loadBefore: [number, number, number]; loadAfter: [number, number, number] };
	n8nVersion: string;
	retryScale: number;
	bursts: BurstResult[];
}

function tally(values: number[]): Record<string, number> {
	const out: Record<string, number> = {};
	for (const value of values) out[String(value)] = (out[String(value)] ?? 0) + 1;
	return out;
}

function triggerWorkflow(variant: Variant): Record<string, unknown> {
	const { id, path, verifyWithApi } = VARIANTS[variant];
	return {
		id,
		name: `bench: Kling Trigger (${variant})`,
		active: true,
		settings: { executionOrder: 'v1' },
		nodes: [
			{
				id: `${id}-trigger`,
				name: 'Kling Trigger',
				type: 'n8n-nodes-apixo-kling.klingTrigger',
				typeVersion: 1,
				position: [0, 0],
				webhookId: path,
				parameters: { events: 'both', verifyWithApi, token: TOKEN },
				credentials: verifyWithApi ? { apixoApi: { id: CREDENTIAL.id, name: CREDENTIAL.name } } : {},
			},
		],
		connections: {},
	};
}

async function call(url: string, init: RequestInit = {}, timeoutMs = 60_000): Promise<{ status: number; text: string }> {
	const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
	return { status: response.status, text: await response.text() };
}

interface Delivery {
	taskId: string;
	attempt: number;
	sentAt: number;
	ms: number;
	status: number;
}

class BurstRunner {
	private readonly sim: string;

	constructor(
		private readonly env: Environment,
		private readonly retryScale: number,
		private readonly profiler?: Profiler,
	) {
		this.sim = env.state.simulatorUrl as string;
	}

	private get pids(): number[] {
		const { pids } = this.env.state;
		return ['n8n-main', 'n8n-webhook', 'n8n-worker'].map((name) => pids[name]).filter((pid): pid is number => pid !== undefined);
	}

	private n8nCpu(): Map<number, number> {
		const all = new Map<number, number>();
		for (const pid of this.pids) for (const [child, ms] of groupCpuMs(pid)) all.set(child, ms);
		return all;
	}

	/** Waits until n8n uses less than 10 % of a core over a second. */
	async quiet(maxMs = 90_000): Promise<void> {
		const deadline = Date.now() + maxMs;
		for (;;) {
			const before = this.n8nCpu();
			await sleep(1000);
			if (groupCpuDelta(before, this.n8nCpu()) < 100 || Date.now() > deadline) return;
		}
	}

	private async control(path: string, body: unknown = {}): Promise<unknown> {
		const { status, text } = await call(`${this.sim}/__sim/${path}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(body),
		});
		if (status >= 400) throw new Error(`simulator /__sim/${path}: ${status} ${text.slice(0, 200)}`);
		return JSON.parse(text) as unknown;
	}

	/** N tasks, submitted without a callback and then ended at once: their callbacks are the benchmark's to send. */
	private async endedTasks(label: string, n: number): Promise<string[]> {
		await this.control('config', { balance: 1_000_000_000, maxConcurrentTasks: 1_000_000 });
		const ids: string[] = [];
		let next = 0;
		const worker = async () => {
			while (next < n) {
				const index = next++;
				const { status, text } = await call(`${this.sim}/api/v1/generateTask/kling-2-5-turbo-pro`, {
					method: 'POST',
					headers: { Authorization: 'Bearer sim-key', 'content-type': 'application/json' },
					body: JSON.stringify({
						request_type: 'async',
						provider: 'auto',
						input: { mode: 'text-to-video', prompt: `[sim:ms=86400000] [sim:nocallback] burst ${label} ${index}`, duration: 5 },
					}),
				});
				const taskId = (JSON.parse(text) as { data?: { taskId?: string } }).data?.taskId;
				if (status !== 200 || !taskId) throw new Error(`submit failed: ${status} ${text.slice(0, 200)}`);
				ids[index] = taskId;
			}
		};
		await Promise.all(Array.from({ length: 8 }, worker));
		for (const [index, taskId] of ids.entries()) await this.control(`complete/${taskId}`, { outcome: index % 10 === 9 ? 'failed' : 'success' });
		return ids;
	}

	/** One APIXO delivery through the simulator; status 0 when no answer came within 30 s. */
	private async deliverOnce(taskId: string, url: string, attempt: number): Promise<Delivery> {
		const sentAt = Date.now();
		let status = 0;
		try {
			const { text } = await call(`${this.sim}/__sim/callback/${taskId}`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ url }),
			}, ANSWER_TIMEOUT_MS + 30_000);
			status = (JSON.parse(text) as { status: number }).status;
		} catch {
			status = 0;
		}
		return { taskId, attempt, sentAt, ms: Math.min(Date.now() - sentAt, ANSWER_TIMEOUT_MS), status };
	}

	/** APIXO's schedule for one task: delivered until answered 200, at most 1 + 3 times. */
	private async deliver(taskId: string, url: string, out: Delivery[]): Promise<void> {
		for (let attempt = 1; ; attempt++) {
			const delivery = await this.deliverOnce(taskId, url, attempt);
			out.push(delivery);
			if (delivery.status === 200 || attempt > RETRY_DELAYS_MS.length) return;
			await sleep(RETRY_DELAYS_MS[attempt - 1] * this.retryScale);
		}
	}

	/** n8n's public API; a busy n8n answering 503 ("Database is not ready!") or not at all is asked again for up to 3 minutes. */
	private async n8nApi(path: string, method = 'GET'): Promise<{ status: number; text: string }> {
		const deadline = Date.now() + 180_000;
		for (;;) {
			try {
				const answer = await call(`${this.env.state.editorUrl}${path}`, { method, headers: { 'X-N8N-API-KEY': this.env.state.apiKey } }, 120_000);
				if (answer.status !== 503 || Date.now() > deadline) return answer;
			} catch (error) {
				if (Date.now() > deadline) throw error;
			}
			await sleep(2000);
		}
	}

	/**
	 * The executions of a workflow with the task id its Kling Trigger emitted. n8n's public API leaves running
	 * executions out of its list unless asked for them alone, so they are listed apart: in a burst n8n can start an
	 * execution and never end it (its database lock timed out in WorkflowRunner.run), and that task is not lost.
	 */
	private async executions(workflowId: string): Promise<Array<{ id: string; status: string; taskId?: string }>> {
		const found = new Map<string, { id: string; status: string; taskId?: string }>();
		for (const only of [undefined, 'running']) {
			for (const execution of await this.listExecutions(workflowId, only)) found.set(execution.id, execution);
		}
		return [...found.values()];
	}

	private async listExecutions(workflowId: string, only?: string): Promise<Array<{ id: string; status: string; taskId?: string }>> {
		const found: Array<{ id: string; status: string; taskId?: string }> = [];
		let cursor: string | undefined;
		do {
			const query = new URLSearchParams({
				workflowId,
				includeData: 'true',
				limit: '100',
				...(only ? { status: only } : {}),
				...(cursor ? { cursor } : {}),
			});
			const { status, text } = await this.n8nApi(`api/v1/executions?${query}`);
			if (status !== 200) throw new Error(`GET /api/v1/executions: ${status} ${text.slice(0, 200)}`);
			const page = JSON.parse(text) as {
				data: Array<{
					id: string;
					status: string;
					data?: {
						resultData?: { runData?: Record<string, Array<{ data?: { main?: Array<Array<{ json: { taskId?: string } }>> } }>> };
						executionData?: { nodeExecutionStack?: Array<{ data?: { main?: Array<Array<{ json: { taskId?: string } }>> } }> };
					};
				}>;
				nextCursor: string | null;
			};
			for (const execution of page.data) {
				// A finished execution: the trigger's output; one still queued (queue mode): the trigger's data it starts with.
				const taskId =
					execution.data?.resultData?.runData?.['Kling Trigger']?.[0]?.data?.main?.[0]?.[0]?.json.taskId ??
					execution.data?.executionData?.nodeExecutionStack?.[0]?.data?.main?.[0]?.[0]?.json.taskId;
				found.push({ id: String(execution.id), status: execution.status, taskId });
			}
			cursor = page.nextCursor ?? undefined;
		} while (cursor);
		return found;
	}

	private async deleteExecutions(workflowId: string): Promise<void> {
		for (const { id } of await this.executions(workflowId)) {
			await this.n8nApi(`api/v1/executions/${id}`, 'DELETE').catch(() => undefined);
		}
	}

	async burst(variant: Variant, n: number): Promise<BurstResult> {
		const { id: workflowId, path } = VARIANTS[variant];
		const refused = variant === 'refused';
		const url = `${this.env.state.webhookUrl}webhook/${path}/kling${refused ? '' : `?token=${TOKEN}`}`;
		await this.deleteExecutions(workflowId);
		const taskIds = await this.endedTasks(`${this.env.state.mode}-${variant}-${n}-${Date.now()}`, n);
		await this.quiet();

		const cpuBefore = this.n8nCpu();
		const simPid = this.env.state.pids.simulator;
		const simBefore = cpuMsOf(simPid) ?? 0;
		const machineBefore = machineBusyMs();
		const selfBefore = process.cpuUsage();
		await this.profiler?.start();
		const answering = sampleRss(this.env.state.pids[this.env.state.mode === 'queue' ? 'n8n-webhook' : 'n8n-main'] as number, 250);
		const started = Date.now();
		const deliveries: Delivery[] = [];
		await Promise.all(
			taskIds.map(async (taskId) => (refused ? void deliveries.push(await this.deliverOnce(taskId, url, 1)) : await this.deliver(taskId, url, deliveries))),
		);
		log(
			`${variant} ${n}: deliveries done after ${((Date.now() - started) / 1000).toFixed(1)} s; answers ${JSON.stringify(tally(deliveries.map((each) => each.status)))}; ` +
				`first answers ${JSON.stringify(summarize(deliveries.filter((each) => each.attempt === 1).map((each) => each.ms)))}`,
		);

		// Every task answered 200 should have its execution; wait until they are all there and ended (bounded).
		const accepted = new Set(deliveries.filter((each) => each.status === 200).map((each) => each.taskId));
		// A task being confirmed may start its execution up to 3.5 minutes after its answer.
		// Polled without the running ones (n8n's default list): one listing with data per poll, not two.
		const deadline = Date.now() + 300_000;
		for (;;) {
			const listed = await this.listExecutions(workflowId);
			const ended = listed.filter((each) => !['new', 'running', 'waiting'].includes(each.status));
			if ((ended.length >= accepted.size && ended.length === listed.length) || Date.now() > deadline) break;
			await sleep(2000);
		}
		const executions = await this.executions(workflowId);
		const drainMs = Date.now() - started;
		const { peakRss } = answering.stop();
		await this.quiet(30_000);
		const elapsed = Date.now() - started;
		const profile = await this.profiler?.stop();
		const n8nCpuMs = groupCpuDelta(cpuBefore, this.n8nCpu());
		const simCpuMs = (cpuMsOf(simPid) ?? 0) - simBefore;
		const self = process.cpuUsage(selfBefore);
		const otherCores = Math.max(0, (machineBusyMs() - machineBefore - n8nCpuMs - simCpuMs - (self.user + self.system) / 1000) / elapsed);

		const perTask = new Map<string, number>();
		for (const each of executions) if (each.taskId) perTask.set(each.taskId, (perTask.get(each.taskId) ?? 0) + 1);
		const counts = taskIds.map((taskId) => perTask.get(taskId) ?? 0);
		const firsts = deliveries.filter((each) => each.attempt === 1);
		const to200 = deliveries.filter((each) => each.status === 200).map((each) => each.sentAt + each.ms - started);
		const result: BurstResult = {
			mode: this.env.state.mode,
			variant,
			n,
			firstAnswer: summarize(firsts.map((each) => each.ms)),
			timeTo200: summarize(to200),
			answers: tally(deliveries.map((each) => each.status)),
			deliveries: deliveries.length,
			retries: deliveries.length - n,
			firstTime200: firsts.filter((each) => each.status === 200).length,
			executionsStarted: executions.length,
			executionsNotSucceeded: executions.filter((each) => each.status !== 'success').length,
			executionsNotEnded: executions.filter((each) => ['new', 'running', 'waiting'].includes(each.status)).length,
			duplicateTasks: counts.filter((count) => count > 1).length,
			extraExecutions: counts.reduce((sum, count) => sum + Math.max(0, count - 1), 0),
			lostTasks: counts.filter((count) => count === 0).length,
			drainMs,
			n8nCpuMsPerCallback: round(n8nCpuMs / n, 1) as number,
			simulatorCpuMsPerCallback: round(simCpuMs / n, 1) as number,
			peakRssMb: Math.round(peakRss / 2 ** 20),
			otherCores: round(otherCores, 2) as number,
			load1: loadAverage()[0],
			...(profile && { profile }),
		};
		log(
			`${result.mode} ${variant} N=${n}: first answer p50 ${result.firstAnswer.median} p95 ${result.firstAnswer.p95} max ${result.firstAnswer.max} ms; ` +
				`answers ${JSON.stringify(result.answers)}; ${result.executionsStarted} executions, ${result.lostTasks} lost, ` +
				`${result.extraExecutions} duplicate; ${result.n8nCpuMsPerCallback} ms n8n CPU per callback; other cores ${result.otherCores}`,
		);
		return result;
	}
}

/**
 * Executions whose data n8n would not show (it redacts a run's data for everyone when its start-up check for
 * dynamic credentials fails, e.g. on a database pool timeout in a burst): they ran, but their task id cannot be
 * read, so each is counted as one of the tasks without a readable execution. Tasks lost for certain: the rest.
 */
export function lostForCertain(burst: BurstResult): { unreadable: number; lost: number } {
	const readable = burst.n - burst.lostTasks + burst.extraExecutions;
	const unreadable = Math.max(0, burst.executionsStarted - readable);
	return { unreadable, lost: Math.max(0, burst.lostTasks - unreadable) };
}

export interface TriggerTarget {
	id: string;
	target: string;
	measured: string;
	pass: boolean;
	note: string;
}

/** Issue 15's targets: 200 at once answered with margin, 1,000 at once without loss (per mode measured). */
export function triggerTargets(results: TriggerBenchResults): TriggerTarget[] {
	const targets: TriggerTarget[] = [];
	const s = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);
	for (const burst of results.bursts.filter((each) => each.variant === 'verify')) {
		const floor = results.bursts.find((each) => each.variant === 'refused' && each.mode === burst.mode && each.n === burst.n);
		if (burst.n <= 200) {
			const pass = (burst.firstAnswer.p95 ?? Infinity) <= 10_000 && burst.retries === 0;
			const floorP95 = floor?.firstAnswer.p95;
			const floorNote =
				floorP95 === undefined
					? ''
					: ` n8n's own floor here (the same burst refused by the node before anything else, nothing started): p95 ${s(floorP95)}` +
						(!pass && floorP95 > 10_000 ? ', already above 10 s: out of reach for any trigger node in this mode on this machine.' : '.');
			targets.push({
				id: `trigger-${burst.mode}-${burst.n}`,
				target: `${burst.n} callbacks at once (${burst.mode}): p95 answer ≤ 10 s, 0 retries`,
				measured: `p95 ${s(burst.firstAnswer.p95)} (max ${s(burst.firstAnswer.max)}), ${burst.retries} retries, ${burst.executionsStarted} executions`,
				pass,
				note: `APIXO waits 30 s for a 200; 10 s leaves a margin of three.${floorNote}`,
			});
		} else {
			const { unreadable, lost } = lostForCertain(burst);
			targets.push({
				id: `trigger-${burst.mode}-${burst.n}`,
				target: `${burst.n.toLocaleString('en-US')} callbacks at once (${burst.mode}): 0 lost, 0 duplicate executions (retries allowed)`,
				measured:
					`${lost} lost, ${burst.extraExecutions} duplicate executions, ${burst.retries} retries, p95 answer ${s(burst.firstAnswer.p95)}` +
					(unreadable ? ` (${unreadable} executions ran with their data redacted by n8n, each counted for one of the tasks not read from an execution)` : '') +
					(burst.executionsNotEnded ? `; ${burst.executionsNotEnded} executions were created by n8n but not ended` : ''),
				pass: lost === 0 && burst.extraExecutions === 0,
				note: 'A task is lost when n8n has no execution for it: none of its up to 4 deliveries was answered 200, or one was and n8n then failed to create the execution.',
			});
		}
	}
	return targets;
}

/** What became of the executions that did not succeed, e.g. " (64 not ended by n8n, 3 error)". */
function executionNotes(burst: BurstResult, unreadable: number): string {
	const failed = burst.executionsNotSucceeded - burst.executionsNotEnded;
	const notes = [
		unreadable ? `${unreadable} redacted` : '',
		burst.executionsNotEnded ? `${burst.executionsNotEnded} not ended by n8n` : '',
		failed > 0 ? `${failed} error` : '',
	].filter(Boolean);
	return notes.length ? ` (${notes.join(', ')})` : '';
}

/** The burst table and the targets, as Markdown lines (for trigger.md and the main report). */
export function triggerSection(results: TriggerBenchResults): string[] {
	const s = (ms: number | undefined) => (ms === undefined ? 'n/a' : (ms / 1000).toFixed(1));
	const lines = [
		`${results.date}, n8n ${results.n8nVersion}, ${results.machine.cores} × ${results.machine.cpuModel}; load before ` +
			`${results.machine.loadBefore.join(' / ')}, after ${results.machine.loadAfter.join(' / ')}; APIXO's redelivery delays × ${results.retryScale}.`,
		'',
		'| mode | trigger | N at once | first answer p50 / p95 / max (s) | answers | retries | executions | duplicates | lost | drained (s) | n8n CPU per callback (ms) | peak memory of the answering process (MB) | other cores busy |',
		'|---|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
	];
	for (const burst of results.bursts) {
		const answers = Object.entries(burst.answers)
			.map(([status, count]) => `${count} × ${status === '0' ? 'none' : status}`)
			.join(', ');
		const { unreadable, lost } = lostForCertain(burst);
		lines.push(
			`| ${burst.mode} | ${VARIANT_LABELS[burst.variant]} | ${burst.n.toLocaleString('en-US')} | ` +
				`${s(burst.firstAnswer.median)} / ${s(burst.firstAnswer.p95)} / ${s(burst.firstAnswer.max)} | ${answers} | ${burst.variant === 'refused' ? '—' : burst.retries} | ` +
				(burst.variant === 'refused'
					? '— | — | — | — | '
					: `${burst.executionsStarted}${executionNotes(burst, unreadable)} | ${burst.extraExecutions} | ${lost} | ${s(burst.drainMs)} | `) +
				`${burst.n8nCpuMsPerCallback} | ${burst.peakRssMb ?? 'n/a'} | ${burst.otherCores} |`,
		);
	}
	lines.push('');
	if (results.bursts.some((burst) => lostForCertain(burst).unreadable > 0)) {
		lines.push(
			'"redacted": executions that ran but whose data n8n shows to no one — it redacts a run when its start-up check for dynamic credentials fails (logged as "Could not check for resolvable credentials; redacting run for everyone", a database pool timeout in the burst). Their task ids cannot be read; each is counted for one of the tasks without a readable execution, and "lost" counts the tasks left over.',
			'',
		);
	}
	if (results.bursts.some((burst) => burst.executionsNotEnded > 0)) {
		lines.push(
			'"not ended by n8n": executions n8n created with the task\'s data but had not ended 5 minutes after the last delivery (seen when its database lock timed out while it started them: "Timeout waiting for lock SqliteWriteConnectionMutex" in WorkflowRunner.run). Each holds its task id and shows as running in n8n\'s executions list: the task is not lost, but the workflow did not run for it.',
			'',
		);
	}
	for (const target of triggerTargets(results)) lines.push(`- ${target.pass ? 'PASS' : 'MISS'} ${target.target}: ${target.measured}. ${target.note}`);
	lines.push('');
	return lines;
}

export function renderTriggerMarkdown(results: TriggerBenchResults): string {
	return `${['# Kling Trigger burst benchmark', '', ...triggerSection(results)].join('\n')}\n`;
}

/** Writes <out>/trigger.json and trigger.md. */
export function writeTriggerResults(out: string, results: TriggerBenchResults): void {
	mkdirSync(out, { recursive: true });
	writeFileSync(join(out, 'trigger.json'), `${JSON.stringify(results, null, 2)}\n`);
	writeFileSync(join(out, 'trigger.md'), renderTriggerMarkdown(results));
	log(`wrote ${join(out, 'trigger.json')} and trigger.md${results.durationS ? ` in ${results.durationS} s` : ''}`);
}

/** The bursts `npm run bench` measures: n8n's floor and the trigger as users run it, at APIXO's own redelivery delays. */
export function standardTriggerBench(sizes: number[], modes: Mode[], build: boolean): Omit<Flags, 'out'> {
	return { build, sizes, modes, variants: ['refused', 'verify'], retryScale: 1, profile: false };
}

/** Ctrl-C or a kill: exit, so that the environment's exit hook stops every process it started. */
export function stopOnSignals(): void {
	for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
}

interface Flags {
	build: boolean;
	sizes: number[];
	modes: Mode[];
	variants: Variant[];
	out: string;
	retryScale: number;
	n8nVersion?: string;
	profile: boolean;
	/** Measure nothing: write trigger.md again from <out>/trigger.json (after a change to the report). */
	reportOnly?: boolean;
}

function parseFlags(argv: string[], repoDir: string): Flags {
	const flags: Flags = { ...standardTriggerBench([200, 1000], ['single', 'queue'], true), out: join(repoDir, 'bench', 'results') };
	for (let index = 0; index < argv.length; index++) {
		const arg = argv[index];
		if (arg === '--no-build') flags.build = false;
		else if (arg === '--sizes') flags.sizes = argv[++index].split(',').map(Number);
		else if (arg === '--modes') flags.modes = argv[++index].split(',') as Mode[];
		else if (arg === '--variants') flags.variants = argv[++index].split(',') as Variant[];
		else if (arg === '--out') flags.out = resolve(argv[++index]);
		else if (arg === '--retry-scale') flags.retryScale = Number(argv[++index]);
		else if (arg === '--profile') flags.profile = true;
		else if (arg === '--report-only') flags.reportOnly = true;
		else if (arg === '--n8n-version') flags.n8nVersion = argv[++index];
		else throw new Error(`unknown argument ${arg}`);
	}
	return flags;
}

/** Runs the bursts in each mode, one environment per mode; `log` gets progress lines. */
export async function triggerBurstBench(repoDir: string, flags: Omit<Flags, 'out'>): Promise<TriggerBenchResults> {
	const startedAt = Date.now();
	const results: TriggerBenchResults = {
		date: new Date().toISOString(),
		durationS: 0,
		machine: { cores: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', loadBefore: loadAverage(), loadAfter: loadAverage() },
		n8nVersion: '',
		retryScale: flags.retryScale,
		bursts: [],
	};
	const workflowsDir = join(repoDir, '.e2e', 'bench-trigger-workflows');
	mkdirSync(workflowsDir, { recursive: true });
	for (const variant of Object.keys(VARIANTS) as Variant[]) {
		writeFileSync(join(workflowsDir, `${VARIANTS[variant].id}.json`), `${JSON.stringify(triggerWorkflow(variant), null, 2)}\n`);
	}
	let build = flags.build;
	for (const mode of flags.modes) {
		const env = await startEnvironment({
			mode,
			repoDir,
			n8nVersion: flags.n8nVersion,
			runDir: join(repoDir, '.e2e', `bench-trigger-${mode}`),
			workflowsDir,
			simulator: { timeScale: flags.retryScale, rateLimit: 10_000 },
			build,
			log,
		});
		build = false;
		results.n8nVersion = env.state.n8nVersion;
		try {
			const profiler = flags.profile ? await Profiler.attach(env.state.pids[mode === 'queue' ? 'n8n-webhook' : 'n8n-main']) : undefined;
			const runner = new BurstRunner(env, flags.retryScale, profiler);
			for (const n of flags.sizes) {
				for (const variant of flags.variants) results.bursts.push(await runner.burst(variant, n));
			}
		} finally {
			await env.stop();
		}
	}
	results.machine.loadAfter = loadAverage();
	results.durationS = Math.round((Date.now() - startedAt) / 1000);
	return results;
}

async function main(): Promise<void> {
	const repoDir = resolve(__dirname, '..', '..');
	stopOnSignals();
	const flags = parseFlags(process.argv.slice(2), repoDir);
	if (flags.reportOnly) {
		writeTriggerResults(flags.out, JSON.parse(readFileSync(join(flags.out, 'trigger.json'), 'utf8')) as TriggerBenchResults);
		return;
	}
	log(`load average ${loadAverage().join(' ')} on ${cpus().length} cores`);
	const results = await triggerBurstBench(repoDir, flags);
	for (const burst of results.bursts.filter((each) => each.profile)) log(`${burst.mode} ${burst.variant} ${burst.n}: ${JSON.stringify(burst.profile)}`);
	writeTriggerResults(flags.out, results);
}

if (require.main === module) {
	main().then(
		() => process.exit(0),
		(error: Error) => {
			process.stderr.write(`trigger bench: the harness failed: ${error.stack ?? error.message}\n`);
			process.exit(1);
		},
	);
}
