/**
 * The main benchmark's harness: one n8n (or a queue-mode cluster: main, worker and webhook process, Redis and
 * PostgreSQL) and the simulator (scripts/e2e/environment.ts) at one of the timings of settings.ts, CPU and load metering,
 * starting and following executions, the simulator's counters per scenario, and a restart of n8n when it has
 * lost its database.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { Environment } from '../scripts/e2e/environment';
import type { CallbackDelivery } from '../test/simulator/types';
import { isWebhookRegistered } from '../scripts/e2e/n8n';
import { logger } from './lib/cli';
import { apiRequests, errorOf, N8n, outputAt, Sim, sleep, type Execution } from './lib/clients';
import { groupsCpuMs, Meter, type MeterReading } from './lib/meter';
import { cpuMsOf, groupCpuDelta, loadAverage } from './lib/proc';
import type { ScenarioCost } from './results';
import { ANSWER_TIMEOUT_MS, PATHS, RATE_LIMIT_PER_MINUTE, RETRY_DELAYS_MS, TIMINGS, type Timing } from './settings';

export const log = logger('bench');

/** One execution started and followed to its end. */
export interface RunOutcome {
	executionId: string;
	status: string;
	error?: string;
	/** Not ended within the time limit (then stopped). */
	timedOut: boolean;
	postedAt: number;
	startedAt?: number;
	/** When the last node finished: the workflow's output. */
	outputAt?: number;
}

export class Bench {
	readonly n8n: N8n;
	readonly sim: Sim;
	meter: Meter;
	/** The n8n main process. */
	n8nPid: number;
	/** Every n8n process: main (single mode), or main, workers and webhook processes (queue and scaled mode). */
	n8nPids: number[] = [];
	private loadMax = 0;
	private readonly loadTimer: NodeJS.Timeout;
	readonly otherCores: Array<{ cores: number; ms: number }> = [];

	constructor(
		readonly env: Environment,
		readonly timing: Timing = TIMINGS.compressed,
	) {
		this.n8n = new N8n(env.state);
		this.sim = new Sim(env.state.simulatorUrl as string);
		this.n8nPid = env.state.pids['n8n-main'];
		this.meter = this.newMeter();
		this.loadTimer = setInterval(() => (this.loadMax = Math.max(this.loadMax, loadAverage()[0])), 2000);
	}

	get maxLoad(): number {
		return Math.max(this.loadMax, loadAverage()[0]);
	}

	close(): void {
		clearInterval(this.loadTimer);
	}

	private newMeter(): Meter {
		const names = Object.keys(this.env.state.pids).filter((name) => name.startsWith('n8n-'));
		this.n8nPids = ['n8n-main', ...names.filter((name) => name !== 'n8n-main').sort()].map((name) => this.env.state.pids[name]);
		return new Meter(this.n8nPids, this.env.state.pids.simulator);
	}

	/** Waits until n8n uses less than 10 % of a core over a second (the previous scenario's work is done). */
	async quiet(maxMs = 90_000): Promise<void> {
		const deadline = Date.now() + maxMs;
		for (;;) {
			const before = groupsCpuMs(this.n8nPids);
			await sleep(1000);
			const used = groupCpuDelta(before, groupsCpuMs(this.n8nPids));
			if (used < 100 || Date.now() > deadline) return;
		}
	}

	/** CPU the n8n main process uses when idle (timers, database housekeeping), ms per second over `ms`. */
	async idleCpuRate(ms = 10_000): Promise<number> {
		await this.quiet();
		const before = cpuMsOf(this.n8nPid) ?? NaN;
		await sleep(ms);
		return (((cpuMsOf(this.n8nPid) ?? NaN) - before) * 1000) / ms;
	}

	/** Where every n8n process's log ends now (queue mode: main, worker and webhook process), for logSince. */
	logMark(): Record<string, number> {
		const mark: Record<string, number> = {};
		for (const [name, file] of Object.entries(this.env.state.logs)) {
			if (!name.startsWith('n8n-')) continue;
			try {
				mark[name] = statSync(file).size;
			} catch {
				mark[name] = 0;
			}
		}
		return mark;
	}

	/** What the n8n processes logged since `mark`. */
	logSince(mark: Record<string, number>): string {
		return Object.values(this.logsSince(mark)).join('');
	}

	/** What each n8n process logged since `mark`, by process name. */
	logsSince(mark: Record<string, number>): Record<string, string> {
		const out: Record<string, string> = {};
		for (const [name, file] of Object.entries(this.env.state.logs)) {
			if (!name.startsWith('n8n-')) continue;
			try {
				const from = mark[name] ?? 0;
				const size = statSync(file).size;
				if (size <= from) continue;
				const buffer = Buffer.alloc(size - from);
				const fd = openSync(file, 'r');
				try {
					readSync(fd, buffer, 0, buffer.length, from);
				} finally {
					closeSync(fd);
				}
				out[name] = buffer.toString('utf8');
			} catch {
				// no log yet
			}
		}
		return out;
	}

	/** Whether n8n answers and its database works (a public-API read of one execution). */
	async healthy(): Promise<boolean> {
		try {
			const response = await fetch(`${this.env.state.editorUrl}api/v1/executions?limit=1`, {
				headers: { 'X-N8N-API-KEY': this.env.state.apiKey },
				signal: AbortSignal.timeout(10_000),
			});
			await response.text();
			return response.ok;
		} catch {
			return false;
		}
	}

	/**
	 * After a scenario: if n8n has lost its database (seen when hundreds of callbacks arrive at once on a loaded
	 * machine) and does not recover within a minute, restart it so the remaining scenarios can run. Returns
	 * what happened, for the report.
	 */
	async recover(after: string): Promise<string | undefined> {
		for (let waited = 0; waited < 60_000; waited += 2000) {
			if (await this.healthy()) return undefined;
			await sleep(2000);
		}
		log(`n8n is not healthy after ${after}: restarting it`);
		await this.env.kill('n8n-main');
		await this.env.start('n8n-main');
		this.n8nPid = this.env.state.pids['n8n-main'];
		this.meter = this.newMeter();
		for (const path of Object.values(PATHS)) {
			for (let waited = 0; !(await isWebhookRegistered(this.env.state.webhookUrl, path)); waited += 500) {
				if (waited > 60_000) throw new Error(`after restarting n8n, webhook ${path} was not registered within 60 s`);
				await sleep(500);
			}
		}
		return `n8n lost its database connection during ${after} (answering 503 "Database is not ready!" and not recovering within a minute); the benchmark restarted it.`;
	}

	/** Starts a workflow with these items and waits for the execution to end (or stops it after timeoutMs). */
	async run(path: string, items: Array<Record<string, unknown>>, timeoutMs: number): Promise<{ outcome: RunOutcome; execution?: Execution }> {
		const postedAt = Date.now();
		const executionId = await this.n8n.start(path, { items, baseUrl: this.sim.url });
		return await this.follow(executionId, postedAt, timeoutMs);
	}

	async follow(executionId: string, postedAt: number, timeoutMs: number): Promise<{ outcome: RunOutcome; execution?: Execution }> {
		let execution = await this.ended(executionId, timeoutMs);
		let timedOut = false;
		if (!execution) {
			timedOut = true;
			log(`execution ${executionId} did not end within ${timeoutMs / 1000} s: stopping it`);
			await this.n8n.stop(executionId).catch(() => undefined);
			execution = await this.ended(executionId, 30_000);
		}
		const outcome: RunOutcome = {
			executionId,
			status: timedOut ? 'not finished' : (execution?.status ?? 'unknown'),
			timedOut,
			postedAt,
			startedAt: execution?.startedAt ? Date.parse(execution.startedAt) : undefined,
			outputAt: execution && !timedOut && execution.status === 'success' ? outputAt(execution) : undefined,
		};
		const error = execution ? errorOf(execution) : '';
		if (error) outcome.error = error.slice(0, 500);
		return { outcome, execution };
	}

	/** Like N8n.ended, but a busy n8n answering 503 ("Database is not ready") is asked again. */
	private async ended(executionId: string, timeoutMs: number): Promise<Execution | undefined> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			try {
				// Checked once a second: every check costs n8n CPU, which is measured.
				return await this.n8n.ended(executionId, Math.max(0, deadline - Date.now()), 1000);
			} catch (error) {
				if (Date.now() > deadline) return undefined;
				log(`reading execution ${executionId}: ${(error as Error).message.slice(0, 120)}; asking again`);
				await sleep(1000);
			}
		}
	}

	/**
	 * Counters since the last reset, once n8n has stopped calling the API (late callbacks included), and the meter
	 * once n8n's CPU has calmed down (work a scenario leaves behind, such as refilling its expression isolates,
	 * is part of its cost). With `settle` false (a run that was stopped) the counters are read at once and
	 * `beforeQuiet` runs before waiting for n8n.
	 */
	async cost(stopMeter: () => MeterReading, settle = true, beforeQuiet?: () => Promise<void>): Promise<ScenarioCost> {
		const stats = settle ? await this.sim.settled(1500, 120_000) : await this.sim.stats();
		await beforeQuiet?.();
		await this.quiet(30_000);
		const meter = stopMeter();
		this.otherCores.push({ cores: meter.otherCores, ms: meter.elapsedMs });
		const callbackAnswers: Record<string, number> = {};
		for (const delivery of stats.callbacks) callbackAnswers[delivery.status] = (callbackAnswers[delivery.status] ?? 0) + 1;
		return {
			apiRequests: apiRequests(stats),
			byEndpoint: stats.requests,
			responses429: stats.rateLimited,
			callbackDeliveries: stats.callbacks.length,
			tasksWithCallbackAccepted: new Set(stats.callbacks.filter((delivery) => delivery.status === 200).map((delivery) => delivery.taskId)).size,
			callbackAnswers,
			maxRequestsInAnyWindow: stats.maxRequestsInAnyWindow,
			meter,
		};
	}

	/**
	 * A clean simulator (tasks, counters, rate-limit windows) with APIXO's limit enforced, at this timing's scale, and
	 * APIXO's callback answer timeout and redelivery delays (the simulator multiplies the delays by the scale).
	 */
	async fresh(): Promise<void> {
		await this.quiet();
		await this.sim.reset();
		// A balance no run can exhaust: $0.25 per task would stop a 2,000-item run at item 400 with INSUFFICIENT_CREDITS.
		await this.sim.config({
			rateLimit: { limit: RATE_LIMIT_PER_MINUTE, windowMs: 60_000 },
			timeScale: this.timing.timeScale,
			balance: 1_000_000,
			callbackTimeoutMs: ANSWER_TIMEOUT_MS,
			callbackRetryDelaysMs: RETRY_DELAYS_MS,
		});
	}

	/**
	 * After a callback batch has ended: waits until every callback answered other than 200 has been delivered again
	 * once (APIXO's first redelivery comes RETRY_DELAYS_MS[0] × scale later), at most that delay plus 15 s × scale.
	 */
	async awaitRedeliveries(): Promise<void> {
		const deadline = Date.now() + (RETRY_DELAYS_MS[0] + 15_000) * this.timing.timeScale;
		while (Date.now() <= deadline) {
			if (!redeliveries((await this.sim.stats()).callbacks).firstPending) return;
			await sleep(500);
		}
	}
}

/**
 * The callback deliveries APIXO still has due: every task not answered 200 is delivered up to 1 + RETRY_DELAYS_MS.length
 * times in all (once its execution has ended, none of them can be answered 200). `firstPending`: some task not
 * answered 200 has not been delivered a second time yet.
 */
export function redeliveries(callbacks: CallbackDelivery[]): { due: number; firstPending: boolean } {
	const maxDeliveries = 1 + RETRY_DELAYS_MS.length;
	const byTask = new Map<string, { deliveries: number; accepted: boolean }>();
	for (const delivery of callbacks) {
		const task = byTask.get(delivery.taskId) ?? { deliveries: 0, accepted: false };
		task.deliveries++;
		task.accepted ||= delivery.status === 200;
		byTask.set(delivery.taskId, task);
	}
	const open = [...byTask.values()].filter((task) => !task.accepted && task.deliveries < maxDeliveries);
	return { due: open.reduce((sum, task) => sum + maxDeliveries - task.deliveries, 0), firstPending: open.some((task) => task.deliveries < 2) };
}
