/**
 * The main benchmark's harness: one n8n and the simulator (scripts/e2e/environment.ts), CPU and load metering,
 * starting and following executions, the simulator's counters per scenario, and a restart of n8n when it has
 * lost its database.
 */
import { readFileSync } from 'node:fs';
import type { Environment } from '../scripts/e2e/environment';
import { isWebhookRegistered } from '../scripts/e2e/n8n';
import { logger } from './lib/cli';
import { apiRequests, errorOf, N8n, outputAt, Sim, sleep, type Execution } from './lib/clients';
import { Meter, type MeterReading } from './lib/meter';
import { cpuMsOf, groupCpuDelta, groupCpuMs, loadAverage } from './lib/proc';
import type { ScenarioCost } from './results';
import { PATHS, RATE_LIMIT_PER_MINUTE, TIME_SCALE } from './settings';

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
	n8nPid: number;
	private loadMax = 0;
	private readonly loadTimer: NodeJS.Timeout;
	readonly otherCores: Array<{ cores: number; ms: number }> = [];

	constructor(readonly env: Environment) {
		this.n8n = new N8n(env.state);
		this.sim = new Sim(env.state.simulatorUrl as string);
		this.n8nPid = env.state.pids['n8n-main'];
		this.meter = new Meter(this.n8nPid, env.state.pids.simulator);
		this.loadTimer = setInterval(() => (this.loadMax = Math.max(this.loadMax, loadAverage()[0])), 2000);
	}

	get maxLoad(): number {
		return Math.max(this.loadMax, loadAverage()[0]);
	}

	close(): void {
		clearInterval(this.loadTimer);
	}

	/** Waits until n8n uses less than 10 % of a core over a second (the previous scenario's work is done). */
	async quiet(maxMs = 90_000): Promise<void> {
		const deadline = Date.now() + maxMs;
		for (;;) {
			const before = groupCpuMs(this.n8nPid);
			await sleep(1000);
			const used = groupCpuDelta(before, groupCpuMs(this.n8nPid));
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

	/** n8n's log so far (appended to across restarts). */
	n8nLog(): string {
		try {
			return readFileSync(this.env.state.logs['n8n-main'], 'utf8');
		} catch {
			return '';
		}
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
		this.meter = new Meter(this.n8nPid, this.env.state.pids.simulator);
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

	/** A clean simulator (tasks, counters, rate-limit windows) with APIXO's limit enforced. */
	async fresh(): Promise<void> {
		await this.quiet();
		await this.sim.reset();
		// A balance no run can exhaust: $0.25 per task would stop a 2,000-item run at item 400 with INSUFFICIENT_CREDITS.
		await this.sim.config({ rateLimit: { limit: RATE_LIMIT_PER_MINUTE, windowMs: 60_000 }, timeScale: TIME_SCALE, balance: 1_000_000 });
	}
}
