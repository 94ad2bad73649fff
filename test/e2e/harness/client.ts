/**
 * What the e2e tests use to drive the environment: n8n over HTTP (production webhooks, the public API, the
 * internal REST API where the public one has nothing), n8n's CLI for manual workflows, and the simulator's
 * control endpoints. Failures go through Scenario, so each names the scenario, the execution and what differed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { EnvironmentState } from '../../../scripts/e2e/environment';
import { http } from '../../../scripts/e2e/http';
import { wantedN8nVersion } from '../../../scripts/e2e/n8n';
import { testWorkflows, type TestWorkflowKey } from './workflows';
import type { RecordedChat } from '../../llm/server';

export const repoDir = resolve(__dirname, '..', '..', '..');
export const mode = (process.env.E2E_MODE ?? 'single') as 'single' | 'queue' | 'scaled';
/** E2E_N8N_VERSION, else the first of scripts/n8n-versions.txt: each version has its own run folder. */
export const n8nVersion = wantedN8nVersion(repoDir);
export const runDir = join(repoDir, '.e2e', `${mode}-n8n-${n8nVersion}`);

let cached: EnvironmentState | undefined;
export function state(): EnvironmentState {
	if (!cached) {
		const file = process.env.E2E_STATE ?? join(runDir, 'state.json');
		if (!existsSync(file)) throw new Error(`${file} is missing: the e2e environment is not running (run through jest.e2e.config.js)`);
		cached = JSON.parse(readFileSync(file, 'utf8')) as EnvironmentState;
	}
	return cached;
}

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

/** A failure message names the scenario, the execution (once known) and what differed. */
export class Scenario {
	executionId?: string;

	constructor(readonly name: string) {}

	fail(what: string): never {
		throw new Error(`[${this.name}]${this.executionId ? ` execution ${this.executionId}` : ''}: ${what}`);
	}

	check(condition: unknown, what: () => string): void {
		if (!condition) this.fail(what());
	}

	/** The value, or a failure saying what was missing. */
	must<T>(value: T | undefined | null | false, what: () => string): T {
		if (value === undefined || value === null || value === false) this.fail(what());
		return value;
	}

	equal<T>(actual: T, expected: T, what: string): void {
		if (JSON.stringify(actual) !== JSON.stringify(expected)) {
			this.fail(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
		}
	}
}

// ---------------------------------------------------------------------------------------------------------------
// n8n

export type ExecutionStatus = 'new' | 'running' | 'success' | 'error' | 'waiting' | 'canceled' | 'crashed' | 'unknown';

export interface Item {
	json: Record<string, unknown>;
	binary?: Record<string, { id?: string; fileName?: string; mimeType?: string; fileSize?: string; data?: string }>;
	pairedItem?: unknown;
}

interface NodeRun {
	executionStatus?: string;
	data?: { main?: Array<Item[] | null> };
	error?: { message?: string; description?: string };
	hints?: Array<{ message?: string }>;
}

export interface Execution {
	id: string;
	status: ExecutionStatus;
	finished: boolean;
	workflowId: string;
	startedAt: string | null;
	stoppedAt: string | null;
	waitTill: string | null;
	data?: {
		resultData: {
			runData: Record<string, NodeRun[]>;
			error?: { message?: string; description?: string; node?: { name?: string }; context?: { itemIndex?: number } };
			lastNodeExecuted?: string;
		};
	};
}

/**
 * Asks a read again while n8n cannot answer it for a passing reason: 503 "Database is not ready!" beyond the wait in
 * `request()`, or a connection dropped on a busy machine.
 */
export async function patiently<T>(read: () => Promise<T>, timeoutMs = 180_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		try {
			return await read();
		} catch (error) {
			if (!/\b503\b|not ready|fetch failed|ECONNRESET|aborted/i.test(String((error as Error).message)) || Date.now() > deadline) throw error;
			await sleep(2000);
		}
	}
}

/** APIXO delivers an unanswered callback again after 30, 60 and 120 s (its webhook page). */
export const APIXO_RETRY_DELAYS_MS = [30_000, 60_000, 120_000];

/**
 * The simulator's redelivery delays that scale back to APIXO's own at its time scale: scaled down with the rest of
 * the simulator, the retries would all fall inside the few seconds an overloaded n8n answers 503.
 */
export function realRetryDelaysMs(): number[] {
	const scale = state().simulatorTimeScale ?? 1;
	return APIXO_RETRY_DELAYS_MS.map((ms) => Math.round(ms / scale));
}

const ENDED: ExecutionStatus[] = ['success', 'error', 'canceled', 'crashed'];

/**
 * How long the tests' own requests wait out n8n 2.x answering "503 Database is not ready!": n8n pings its database
 * every 2 s and, when a ping takes over 5 s (a burst of executions on a busy machine), refuses every request
 * until a ping succeeds again. n8n started nothing for such a request, so sending it again is safe.
 */
const DATABASE_NOT_READY_PATIENCE_MS = 90_000;

/**
 * Express's own answer for a path no route has taken ("Cannot GET /api/v1/executions"). A restarted n8n 2.41 main
 * process listens before all its routes are in place, and once answered the public API's execution list 404 like
 * this for several seconds after it had already answered it 200. n8n did nothing for such a request: it is asked
 * again, within the same patience.
 */
function unrouted(answer: { status: number; text: string }): boolean {
	return answer.status === 404 && /<pre>Cannot (GET|POST|PUT|PATCH|DELETE) /.test(answer.text);
}

async function request(
	url: string,
	init: { method?: string; headers?: Record<string, string>; body?: string } = {},
	timeoutMs = 30_000,
): Promise<{ status: number; text: string }> {
	const giveUpAt = Date.now() + DATABASE_NOT_READY_PATIENCE_MS;
	for (;;) {
		const answer = await http(url, { ...init, timeoutMs });
		const notReady = (answer.status === 503 && answer.text.includes('Database is not ready')) || unrouted(answer);
		if (!notReady || Date.now() > giveUpAt) return answer;
		await sleep(1000);
	}
}

function parse(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return text;
	}
}

/** One line about an execution for failure messages: status, error, last node. */
export function summary(execution: Execution): string {
	const result = execution.data?.resultData;
	const error = result?.error;
	return [
		`status ${execution.status}`,
		error ? `error "${error.message}"${error.description ? ` (${error.description})` : ''}${error.node?.name ? ` in ${error.node.name}` : ''}` : '',
		result?.lastNodeExecuted ? `last node ${result.lastNodeExecuted}` : '',
	]
		.filter(Boolean)
		.join(', ');
}

export const n8n = {
	/** Starts a test workflow through its production webhook; returns the execution id its Respond node sent. */
	async run(scenario: Scenario, key: TestWorkflowKey, items: Array<Record<string, unknown>>): Promise<string> {
		const path = testWorkflows[key].path as string;
		// The answer comes from the workflow's Respond node: in queue mode, once a worker slot has run it.
		const { status, text } = await request(
			`${state().webhookUrl}webhook/${path}`,
			{ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items }) },
			180_000,
		);
		const body = parse(text) as { executionId?: string };
		scenario.check(status === 200 && body?.executionId, () => `POST /webhook/${path} answered ${status} ${text.slice(0, 300)}`);
		scenario.executionId = String(body.executionId);
		return scenario.executionId;
	},

	async execution(id: string): Promise<Execution | undefined> {
		const { status, text } = await request(`${state().editorUrl}api/v1/executions/${id}?includeData=true`, {
			headers: { 'X-N8N-API-KEY': state().apiKey },
		});
		if (status === 404) return undefined;
		if (status !== 200) throw new Error(`GET /api/v1/executions/${id}: ${status} ${text.slice(0, 300)}`);
		return JSON.parse(text) as Execution;
	},

	/** Waits until the execution has one of `statuses` (default: ended); the error says where it was instead. */
	async waitFor(scenario: Scenario, id: string, statuses: ExecutionStatus[] = ENDED, timeoutMs = 60_000): Promise<Execution> {
		const deadline = Date.now() + timeoutMs;
		let last: Execution | undefined;
		for (;;) {
			last = await n8n.execution(id);
			if (last && statuses.includes(last.status)) return last;
			if (last && ENDED.includes(last.status)) {
				scenario.fail(`ended with ${summary(last)} while waiting for ${statuses.join('/')}`);
			}
			if (Date.now() > deadline) {
				scenario.fail(`not ${statuses.join('/')} within ${timeoutMs / 1000} s: ${last ? summary(last) : 'not found'}`);
			}
			await sleep(200);
		}
	},

	/** Executions of a workflow, newest first (ids only, plus status). */
	async executionsOf(workflowId: string, limit = 250): Promise<Array<{ id: string; status: ExecutionStatus }>> {
		const found: Array<{ id: string; status: ExecutionStatus }> = [];
		let cursor: string | undefined;
		do {
			const query = new URLSearchParams({ workflowId, limit: String(Math.min(limit, 250)), ...(cursor ? { cursor } : {}) });
			const { status, text } = await request(`${state().editorUrl}api/v1/executions?${query}`, {
				headers: { 'X-N8N-API-KEY': state().apiKey },
			});
			if (status !== 200) throw new Error(`GET /api/v1/executions: ${status} ${text.slice(0, 300)}`);
			const page = JSON.parse(text) as { data: Array<{ id: string; status: ExecutionStatus }>; nextCursor: string | null };
			found.push(...page.data.map(({ id, status: executionStatus }) => ({ id: String(id), status: executionStatus })));
			cursor = page.nextCursor ?? undefined;
		} while (cursor && found.length < limit);
		return found;
	},

	/** A node's output items (first output, last run). */
	items(execution: Execution, nodeName: string, output = 0): Item[] {
		const runs = execution.data?.resultData.runData[nodeName];
		return runs?.at(-1)?.data?.main?.[output] ?? [];
	},

	/**
	 * Runs a workflow with a Manual Trigger through `n8n execute` (a separate n8n process next to the servers). `ok` is the CLI's own verdict: exit 0, or — seen now and then with n8n
	 * 1.123 — killed by a signal while exiting after it printed "Execution was successful" (the execution is stored
	 * by then; callers check the stored execution too).
	 */
	execute(scenario: Scenario, workflowId: string, timeoutMs = 120_000): { ok: boolean; exit: string; output: string } {
		const result = spawnSync(join(state().n8nBin, 'n8n'), ['execute', `--id=${workflowId}`], {
			env: state().cliEnv,
			cwd: state().runDir,
			encoding: 'utf8',
			timeout: timeoutMs,
			maxBuffer: 64 * 1024 * 1024,
		});
		if (result.error) scenario.fail(`n8n execute --id=${workflowId}: ${result.error.message}`);
		const output = `${result.stdout}${result.stderr}`;
		const reportedSuccess = output.includes('Execution was successful');
		return {
			ok: result.status === 0 || (result.signal !== null && reportedSuccess),
			exit: result.signal ? `signal ${result.signal}${reportedSuccess ? ' after reporting success' : ''}` : `exit ${result.status}`,
			output,
		};
	},

	/**
	 * n8n's Retry of a failed execution, as the editor's Executions list does it (internal REST API, as the owner):
	 * `loadWorkflow` false = "Retry with original workflow", true = "Retry with currently saved workflow". n8n answers
	 * once the retry has run; returns the retry's execution.
	 */
	async retry(scenario: Scenario, executionId: string, loadWorkflow: boolean): Promise<Execution> {
		const { session, editorUrl } = state();
		const failed = scenario.must(await n8n.execution(executionId), () => `execution ${executionId} not found`);
		const { status, text } = await request(
			`${editorUrl}rest/executions/${executionId}/retry`,
			{
				method: 'POST',
				headers: { cookie: session.cookie, 'browser-id': session.browserId, 'content-type': 'application/json' },
				body: JSON.stringify({ loadWorkflow }),
			},
			180_000,
		);
		scenario.check(status === 200, () => `POST /rest/executions/${executionId}/retry: ${status} ${text.slice(0, 300)}`);
		const [newest] = await n8n.executionsOf(String(failed.workflowId), 1);
		scenario.check(newest && newest.id !== executionId, () => `no retry execution of ${executionId}`);
		scenario.executionId = newest.id;
		return await n8n.waitFor(scenario, newest.id);
	},

	/** GET on the internal REST API or /types as the owner. */
	async internal(path: string): Promise<unknown> {
		const { session, editorUrl } = state();
		const { status, text } = await request(`${editorUrl}${path}`, {
			headers: { cookie: session.cookie, 'browser-id': session.browserId },
		});
		if (status !== 200) throw new Error(`GET /${path}: ${status} ${text.slice(0, 300)}`);
		return JSON.parse(text);
	},

	async publicApi(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
		const { status, text } = await request(`${state().editorUrl}api/v1/${path}`, {
			method,
			headers: { 'X-N8N-API-KEY': state().apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		return { status, body: parse(text) };
	},

	/** POSTs to a URL served by n8n (a trigger's webhook, a resume URL) and returns the answer. */
	async post(url: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }, timeoutMs = 30_000) {
		const { status, text } = await request(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) }, timeoutMs);
		return { status, body: parse(text) };
	},

	/**
	 * Crashes (kill: SIGKILL), stops (stop: SIGTERM, n8n's graceful shutdown) or starts an n8n process of the
	 * environment, or Redis (same port), through its control endpoint.
	 */
	async control(action: 'kill' | 'stop' | 'start', name: string): Promise<void> {
		const { controlUrl } = state();
		if (!controlUrl) throw new Error('the environment has no control endpoint');
		const { status, text } = await request(`${controlUrl}processes/${name}/${action}`, { method: 'POST' }, 240_000);
		if (status !== 200) throw new Error(`${action} ${name}: ${status} ${text}`);
	},
};

// ---------------------------------------------------------------------------------------------------------------
// The simulator

export interface SimTask {
	taskId: string;
	state: string;
	request_type: string;
	callback_url?: string;
	input: { mode: string; prompt: string; duration: number; aspect_ratio?: string; image_urls?: string[] };
	resultUrl?: string;
	failCode?: string;
	failMsg?: string;
	fileSha256: string | null;
	plan: { size: number };
}

export interface SimStats {
	requests: Record<string, number>;
	responsesByStatus: Record<string, number>;
	rateLimited: number;
	submitsAccepted: number;
	callbacks: Array<{ taskId: string; url: string; attempt: number; status: number }>;
}

async function simCall<T>(method: string, path: string, body?: unknown): Promise<T> {
	const url = `${state().simulatorUrl}${path}`;
	const { status, text } = await request(url, {
		method,
		headers: body === undefined ? {} : { 'content-type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	if (status >= 400) throw new Error(`simulator ${method} ${path}: ${status} ${text.slice(0, 300)}`);
	return JSON.parse(text) as T;
}

export const sim = {
	task: async (taskId: string) => await simCall<SimTask>('GET', `/__sim/tasks/${encodeURIComponent(taskId)}`),
	tasks: async () => await simCall<SimTask[]>('GET', '/__sim/tasks'),
	stats: async () => await simCall<SimStats>('GET', '/__sim/stats'),
	faults: async (faults: unknown) => await simCall<unknown>('POST', '/__sim/faults', faults),
	config: async (change: unknown) => await simCall<unknown>('POST', '/__sim/config', change),
	/** Ends a task now (its callback follows at once): lets a test decide when tasks end. */
	complete: async (taskId: string) => await simCall<unknown>('POST', `/__sim/complete/${encodeURIComponent(taskId)}`, {}),
	callback: async (taskId: string, options: { url?: string; data?: Record<string, unknown> }) =>
		await simCall<{ status: number }>('POST', `/__sim/callback/${encodeURIComponent(taskId)}`, options),
	/** Submits a task straight to the simulated API, as another APIXO client would. */
	async submit(prompt: string, extra: Record<string, unknown> = {}): Promise<string> {
		const { status, text } = await request(`${state().simulatorUrl}/api/v1/generateTask/kling-2-5-turbo-pro`, {
			method: 'POST',
			headers: { authorization: 'Bearer sim-key', 'content-type': 'application/json' },
			body: JSON.stringify({ request_type: 'async', input: { mode: 'text-to-video', prompt, duration: 5 }, ...extra }),
		});
		const body = parse(text) as { data?: { taskId?: string } };
		if (status !== 200 || !body?.data?.taskId) throw new Error(`submit to the simulator: ${status} ${text}`);
		return body.data.taskId;
	},
	/** Waits until the simulator says the task ended. */
	async ended(taskId: string, timeoutMs = 30_000): Promise<SimTask> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const task = await sim.task(taskId);
			if (task.state === 'success' || task.state === 'failed') return task;
			if (Date.now() > deadline) throw new Error(`task ${taskId} still ${task.state} after ${timeoutMs / 1000} s`);
			await sleep(100);
		}
	},
};

// ---------------------------------------------------------------------------------------------------------------
// The stand-in chat model (test/llm)

export const chatModel = {
	/** Every chat completion n8n asked for since the last reset, with the answer given. */
	async requests(): Promise<RecordedChat[]> {
		const { status, text } = await request(`${new URL(state().chatModelUrl).origin}/__llm/requests`);
		if (status !== 200) throw new Error(`chat model GET /__llm/requests: ${status} ${text.slice(0, 300)}`);
		return JSON.parse(text) as RecordedChat[];
	},
	async reset(): Promise<void> {
		const { status, text } = await request(`${new URL(state().chatModelUrl).origin}/__llm/reset`, { method: 'POST' });
		if (status !== 200) throw new Error(`chat model POST /__llm/reset: ${status} ${text.slice(0, 300)}`);
	},
};

/** Runs the describe block only in the given modes (E2E_MODE). */
