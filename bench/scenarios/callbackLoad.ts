/**
 * How much callback load one n8n process holds (issue 10): executions waiting in Wait (Pause Until Callback), their
 * callbacks delivered by the benchmark (through the simulator's /__sim/callback, so each is a real APIXO-shaped
 * POST with APIXO's 30 s answer timeout) at a fixed pace.
 *
 * - Floor: callbacks for a task the execution does not wait for. n8n loads the waiting execution (with all its
 *   items) and runs the node's webhook(), which answers 404 before any API read: n8n's own work per callback plus
 *   a minimal webhook(). Measured for executions waiting with 1 item and with MAX_CALLBACK_ITEMS (the largest batch that pauses).
 * - Resumes: executions waiting with 1 item whose task has ended; one callback each resumes it (1 status read,
 *   then the rest of the workflow). Paced at increasing rates until a step shows an error: an answer other than
 *   200, an n8n log line of the kinds seen in queue-mode failures, or an execution not ended in success.
 */
import type { TaskRecord } from '../../test/simulator/types';
import type { Bench } from '../harness';
import { sleep } from '../lib/clients';
import { cpuDeltaByName, n8nCpuByName } from '../lib/meter';
import { count, round, tally } from '../lib/stats';
import type { CallbackLoadResult, FloorResult, RateStep } from '../results';
import { PATHS } from '../settings';

/** n8n log lines counted as errors (seen when n8n's database pool or its webhook handling falls behind). */
export const ERROR_LINES = [
	'timeout exceeded when trying to connect',
	'Workflow could not be started',
	'Database ping failed',
	'SQLITE_BUSY',
	'Problem with execution',
];

/** The slowest answer allowed for a step to count as keeping up: a third of APIXO's 30 s. */
export const KEEP_UP_MS = 10_000;

interface Waiting {
	executionId: string;
	taskIds: string[];
	/** Each task's callback_url (the execution's resume URL), by task id. */
	callbackUrls: Record<string, string>;
}

interface Delivery {
	status: number;
	ms: number;
}

function medianOf(values: number[]): number {
	if (values.length === 0) return NaN;
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** Starts `count` executions of a workflow (default the Kling callback one) with `items` items each whose tasks never call back on their own. */
async function startWaiting(bench: Bench, label: string, count: number, items: number, path = PATHS.callback): Promise<Waiting[]> {
	const ids: string[] = [];
	let next = 0;
	const worker = async () => {
		while (next < count) {
			const index = next++;
			const body = Array.from({ length: items }, (_, item) => ({ prompt: `[sim:ms=3600000][sim:nocallback] load ${label} e${index} i${item}` }));
			ids[index] = await bench.n8n.start(path, { items: body, baseUrl: bench.sim.url });
		}
	};
	await Promise.all(Array.from({ length: Math.min(4, count) }, worker));
	// Every task submitted, then every execution paused.
	const deadline = Date.now() + 180_000;
	let tasks: TaskRecord[] = [];
	for (;;) {
		tasks = (await bench.sim.tasks()).filter((task) => task.input.prompt.includes(`load ${label} `));
		if (tasks.length >= count * items || Date.now() > deadline) break;
		await sleep(500);
	}
	for (const id of ids) {
		for (;;) {
			const execution = await bench.n8n.execution(id, false).catch(() => undefined);
			if (execution?.status === 'waiting' || Date.now() > deadline) break;
			await sleep(250);
		}
	}
	const byExecution = new Map<number, string[]>();
	for (const task of tasks) {
		const match = / e(\d+) i(\d+)$/.exec(task.input.prompt);
		if (!match) continue;
		const list = byExecution.get(Number(match[1])) ?? [];
		list[Number(match[2])] = task.taskId;
		byExecution.set(Number(match[1]), list);
	}
	const urls = Object.fromEntries(tasks.map((task) => [task.taskId, String(task.callback_url ?? '')]));
	return ids.map((executionId, index) => {
		const taskIds = byExecution.get(index) ?? [];
		return { executionId, taskIds, callbackUrls: Object.fromEntries(taskIds.map((id) => [id, urls[id]])) };
	});
}

/** The callback URL with its origin replaced by `to` (a webhook process's own URL, past the load balancer). */
function sentTo(url: string, to?: string): string | undefined {
	if (!to || !url) return undefined;
	const parsed = new URL(url);
	return new URL(`${parsed.pathname.replace(/^\//, '')}${parsed.search}`, to).toString();
}

/** Several processes (queue and scaled mode): figures per process are worth recording. */
const perProcess = (bench: Bench) => Object.keys(bench.env.state.pids).filter((name) => name.startsWith('n8n-')).length > 1;

async function deliver(bench: Bench, taskId: string, url?: string): Promise<Delivery> {
	const started = Date.now();
	try {
		const response = await fetch(`${bench.sim.url}/__sim/callback/${taskId}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(url ? { url } : {}),
			signal: AbortSignal.timeout(45_000),
		});
		const answer = (await response.json()) as { status: number };
		return { status: answer.status, ms: Date.now() - started };
	} catch {
		return { status: 0, ms: Date.now() - started };
	}
}

function logErrors(text: string): Record<string, number> {
	const out: Record<string, number> = {};
	for (const needle of ERROR_LINES) {
		const found = count(text, needle);
		if (found) out[needle] = found;
	}
	return out;
}

/** n8n's work per callback with a minimal webhook(): a task the execution does not know, answered 404. */
export async function floorScenario(bench: Bench, items: number, callbacks: number): Promise<FloorResult> {
	await bench.fresh();
	const [target, other] = await startWaiting(bench, `floor${items}`, 2, items);
	const targetTask = (await bench.sim.tasks()).find((task) => task.taskId === target.taskIds[0]);
	const url = targetTask?.callback_url as string;
	await bench.quiet();
	const cpuBefore = n8nCpuByName(bench.env.state.pids);
	const stopMeter = bench.meter.start();
	const started = Date.now();
	const deliveries: Delivery[] = [];
	let sent = 0;
	const worker = async () => {
		while (sent < callbacks) {
			sent++;
			deliveries.push(await deliver(bench, other.taskIds[0], url));
		}
	};
	await Promise.all([worker(), worker()]);
	const wallMs = Date.now() - started;
	await bench.quiet(20_000);
	const meter = stopMeter();
	const cpuMsByProcess = cpuDeltaByName(cpuBefore, n8nCpuByName(bench.env.state.pids), callbacks);
	bench.otherCores.push({ cores: meter.otherCores, ms: meter.elapsedMs });
	// The waiting executions are no longer needed.
	await Promise.all([target, other].map(async (waiting) => await bench.n8n.stop(waiting.executionId).catch(() => undefined)));
	return {
		itemsPerExecution: items,
		callbacks,
		answers: tally(deliveries.map((each) => each.status)),
		n8nCpuMsPerCallback: round(meter.n8nMainCpuMs / callbacks, 1) as number,
		answerMsMedian: medianOf(deliveries.map((each) => each.ms)),
		wallMs,
		...(perProcess(bench) ? { cpuMsByProcess } : {}),
	};
}

/**
 * `rate` resumes per second for `seconds` s, each of a 1-item execution whose task has ended: of the Kling callback
 * workflow, or of `path`; each callback to its task's callback_url, or with that URL's origin replaced by `to`.
 */
export async function rateStep(bench: Bench, rate: number, seconds: number, options: { path?: string; to?: string; label?: string } = {}): Promise<RateStep> {
	await bench.fresh();
	const count = Math.max(1, Math.round(rate * seconds));
	const waiting = await startWaiting(bench, `${options.label ?? 'rate'}${rate}`, count, 1, options.path);
	// End every task now; [sim:nocallback] keeps the simulator from calling back, the benchmark does.
	for (const each of waiting) {
		if (each.taskIds[0]) await fetch(`${bench.sim.url}/__sim/complete/${each.taskIds[0]}`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
	}
	await bench.quiet();
	const logMark = bench.logMark();
	const cpuBefore = n8nCpuByName(bench.env.state.pids);
	const stopMeter = bench.meter.start();
	const started = Date.now();
	const pending: Array<Promise<Delivery>> = [];
	let lastAnswerAt = started;
	for (const [index, each] of waiting.entries()) {
		const due = started + (index * 1000) / rate;
		if (due > Date.now()) await sleep(due - Date.now());
		const taskId = each.taskIds[0];
		const delivery = deliver(bench, taskId, sentTo(each.callbackUrls[taskId], options.to));
		pending.push(delivery.then((answer) => ((lastAnswerAt = Math.max(lastAnswerAt, Date.now())), answer)));
	}
	const deliveries = await Promise.all(pending);
	const answeredSpanMs = lastAnswerAt - started;
	// Every execution ended (or 60 s passed).
	const deadline = Date.now() + 60_000;
	const statuses = new Map<string, string>();
	for (;;) {
		for (const each of waiting) {
			if (statuses.has(each.executionId)) continue;
			const execution = await bench.n8n.execution(each.executionId, false).catch(() => undefined);
			if (execution && ['success', 'error', 'canceled', 'crashed'].includes(execution.status)) statuses.set(each.executionId, execution.status);
		}
		if (statuses.size === waiting.length || Date.now() > deadline) break;
		await sleep(1000);
	}
	const drainMs = Date.now() - started;
	await bench.quiet(20_000);
	const meter = stopMeter();
	const cpuMsByProcess = cpuDeltaByName(cpuBefore, n8nCpuByName(bench.env.state.pids), count);
	bench.otherCores.push({ cores: meter.otherCores, ms: meter.elapsedMs });
	const logs = bench.logsSince(logMark);
	const errors = logErrors(Object.values(logs).join(''));
	const logErrorsByProcess = Object.fromEntries(
		Object.entries(logs)
			.map(([name, text]) => [name, logErrors(text)] as const)
			.filter(([, found]) => Object.keys(found).length > 0),
	);
	const answers = tally(deliveries.map((each) => each.status));
	const succeeded = [...statuses.values()].filter((status) => status === 'success').length;
	for (const each of waiting) if (!statuses.has(each.executionId)) await bench.n8n.stop(each.executionId).catch(() => undefined);
	const step: RateStep = {
		ratePerSecond: rate,
		callbacks: count,
		answers,
		answerMsMedian: medianOf(deliveries.map((each) => each.ms)),
		answerMsMax: Math.max(...deliveries.map((each) => each.ms)),
		succeeded,
		notSucceeded: count - succeeded,
		logErrors: errors,
		n8nCpuMsPerResume: round(meter.n8nMainCpuMs / count, 1) as number,
		drainMs,
		...(perProcess(bench) ? { answeredSpanMs, cpuMsByProcess, logErrorsByProcess } : {}),
		clean: answers['200'] === count && succeeded === count && Object.keys(errors).length === 0,
		keepsUp: false,
	};
	step.keepsUp = step.clean && step.answerMsMax <= KEEP_UP_MS;
	return step;
}

export async function callbackLoadScenario(
	bench: Bench,
	options: { rates: number[]; secondsPerStep: number; floorItems: number[]; floorCallbacks: number },
	log: (line: string) => void,
): Promise<CallbackLoadResult> {
	const result: CallbackLoadResult = { floor: [], rates: [], secondsPerStep: options.secondsPerStep };
	for (const items of options.floorItems) {
		const floor = await floorScenario(bench, items, options.floorCallbacks);
		result.floor.push(floor);
		log(`callback floor, ${items} items waiting: ${floor.n8nCpuMsPerCallback} ms n8n CPU per callback, answers ${JSON.stringify(floor.answers)}`);
	}
	for (const rate of options.rates) {
		const step = await rateStep(bench, rate, options.secondsPerStep);
		result.rates.push(step);
		log(
			`callback resumes at ${rate}/s: ${step.clean ? 'clean' : 'ERRORS'}, answers ${JSON.stringify(step.answers)}, ${step.succeeded}/${step.callbacks} ` +
				`succeeded, log ${JSON.stringify(step.logErrors)}, ${step.n8nCpuMsPerResume} ms CPU/resume, answer median ${step.answerMsMedian} ms max ${step.answerMsMax} ms`,
		);
		if (step.keepsUp) result.maxKeepUpRatePerSecond = rate;
		if (step.clean) result.maxCleanRatePerSecond = rate;
		else break;
	}
	return result;
}

