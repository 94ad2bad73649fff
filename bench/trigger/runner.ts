/**
 * One burst in a running environment: N tasks ended at once in the simulator, each one's callback delivered at
 * the same moment as APIXO delivers it, then the executions n8n started for them counted (lost, duplicates) and
 * the CPU it spent.
 */
import type { Environment } from '../../scripts/e2e/environment';
import { logger } from '../lib/cli';
import { call, sleep } from '../lib/clients';
import { cpuMsOf, groupCpuDelta, groupCpuMs, loadAverage, machineBusyMs, sampleRss } from '../lib/proc';
import { round, summarize, tally } from '../lib/stats';
import type { BurstResult } from '../results';
import { ANSWER_TIMEOUT_MS, RETRY_DELAYS_MS, TRIGGER_TOKEN, VARIANTS, type Variant } from '../settings';
import type { Profiler } from './profile';

export const log = logger('trigger-bench');

interface Delivery {
	taskId: string;
	attempt: number;
	sentAt: number;
	ms: number;
	status: number;
}

export class BurstRunner {
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
		const url = `${this.env.state.webhookUrl}webhook/${path}/kling${refused ? '' : `?token=${TRIGGER_TOKEN}`}`;
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
