/**
 * The benchmark's view of the environment: n8n (production webhooks, the public API for executions) and the
 * APIXO simulator's control endpoints. Plain fetch on 127.0.0.1.
 */
import type { EnvironmentState } from '../../scripts/e2e/environment';
import type { SimulatorStats, TaskRecord } from '../../test/simulator/types';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function call(url: string, init: RequestInit = {}, timeoutMs = 60_000): Promise<{ status: number; text: string }> {
	const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
	return { status: response.status, text: await response.text() };
}

export type ExecutionStatus = 'new' | 'running' | 'success' | 'error' | 'waiting' | 'canceled' | 'crashed' | 'unknown';
const ENDED: ExecutionStatus[] = ['success', 'error', 'canceled', 'crashed'];

export interface NodeRun {
	startTime: number;
	executionTime: number;
	executionStatus?: string;
	data?: { main?: Array<Array<{ json: Record<string, unknown> }> | null> };
	error?: { message?: string };
}

export interface Execution {
	id: string;
	status: ExecutionStatus;
	startedAt: string | null;
	stoppedAt: string | null;
	data?: {
		resultData: {
			runData: Record<string, NodeRun[]>;
			error?: { message?: string; description?: string };
			lastNodeExecuted?: string;
		};
	};
}

export class N8n {
	constructor(private readonly state: EnvironmentState) {}

	/** Starts a workflow through its production webhook; its Respond node answers `{ executionId }` at once. */
	async start(path: string, body: unknown): Promise<string> {
		const { status, text } = await call(`${this.state.webhookUrl}webhook/${path}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(body),
		});
		let executionId: unknown;
		try {
			executionId = (JSON.parse(text) as { executionId?: unknown }).executionId;
		} catch {
			executionId = undefined;
		}
		if (status !== 200 || executionId === undefined) throw new Error(`POST /webhook/${path} answered ${status} ${text.slice(0, 300)}`);
		return String(executionId);
	}

	async execution(id: string, includeData: boolean): Promise<Execution | undefined> {
		const { status, text } = await call(
			`${this.state.editorUrl}api/v1/executions/${id}?includeData=${includeData}`,
			{ headers: { 'X-N8N-API-KEY': this.state.apiKey } },
			120_000,
		);
		if (status === 404) return undefined;
		if (status !== 200) throw new Error(`GET /api/v1/executions/${id}: ${status} ${text.slice(0, 300)}`);
		return JSON.parse(text) as Execution;
	}

	/**
	 * Waits until the execution has ended (checking without its data, which can be megabytes), then reads it with
	 * its data. Returns undefined when it has not ended within `timeoutMs`.
	 */
	async ended(id: string, timeoutMs: number, intervalMs = 250): Promise<Execution | undefined> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const light = await this.execution(id, false);
			if (light && ENDED.includes(light.status)) return await this.execution(id, true);
			if (Date.now() > deadline) return undefined;
			await sleep(intervalMs);
		}
	}

	async stop(id: string): Promise<void> {
		await call(`${this.state.editorUrl}api/v1/executions/${id}/stop`, { method: 'POST', headers: { 'X-N8N-API-KEY': this.state.apiKey } });
	}

	/** Deletes an execution and, with it, its binary data. */
	async remove(id: string): Promise<void> {
		await call(`${this.state.editorUrl}api/v1/executions/${id}`, { method: 'DELETE', headers: { 'X-N8N-API-KEY': this.state.apiKey } });
	}
}

/** When the workflow produced its output: the latest end (start + execution time) of any node's run. */
export function outputAt(execution: Execution): number | undefined {
	let latest: number | undefined;
	for (const runs of Object.values(execution.data?.resultData.runData ?? {})) {
		for (const run of runs) {
			const end = run.startTime + run.executionTime;
			if (latest === undefined || end > latest) latest = end;
		}
	}
	return latest;
}

/** A node's output items on its first output, over all its runs. */
export function outputItems(execution: Execution, node: string): Array<Record<string, unknown>> {
	return (execution.data?.resultData.runData[node] ?? []).flatMap((run) => (run.data?.main?.[0] ?? []).map((item) => item.json));
}

export function errorOf(execution: Execution): string {
	const error = execution.data?.resultData.error;
	return error ? `${error.message ?? ''}${error.description ? ` (${error.description})` : ''}` : '';
}

export class Sim {
	constructor(readonly url: string) {}

	private async control<T>(method: string, path: string, body?: unknown): Promise<T> {
		const { status, text } = await call(`${this.url}/__sim/${path}`, {
			method,
			headers: body === undefined ? {} : { 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		if (status >= 400) throw new Error(`simulator ${method} /__sim/${path}: ${status} ${text.slice(0, 300)}`);
		return JSON.parse(text) as T;
	}

	stats = async () => await this.control<SimulatorStats>('GET', 'stats');
	tasks = async () => await this.control<TaskRecord[]>('GET', 'tasks');
	reset = async () => await this.control<unknown>('POST', 'reset', {});
	config = async (change: Record<string, unknown>) => await this.control<unknown>('POST', 'config', change);

	/** Waits until the API request counters stop moving for `quietMs` (late callbacks and their reads included). */
	async settled(quietMs = 1500, timeoutMs = 60_000): Promise<SimulatorStats> {
		const deadline = Date.now() + timeoutMs;
		let last = await this.stats();
		let since = Date.now();
		for (;;) {
			await sleep(250);
			const now = await this.stats();
			if (apiRequests(now) !== apiRequests(last) || now.callbacks.length !== last.callbacks.length) {
				last = now;
				since = Date.now();
			} else if (Date.now() - since >= quietMs || Date.now() > deadline) {
				return now;
			}
		}
	}
}

/** Requests to the API (submit, status, balance): what counts against APIXO's rate limit. Downloads are not. */
export function apiRequests(stats: SimulatorStats): number {
	return stats.requests.generate + stats.requests.status + stats.requests.balance + stats.requests.other;
}
