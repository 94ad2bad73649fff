/**
 * Capacity in queue mode (issue 22): the callback load of callbackLoad.ts in a queue-mode shape — 1 worker + 1 webhook
 * process (`queue`) or 2 workers + 2 webhook processes behind the load balancer (`scaled`) — with two rows more:
 *
 * - n8n's own resume in the same shape: executions of a stock HTTP Request (submit with `callback_url` =
 *   `$execution.resumeUrl`) + Wait (On Webhook Call), each resumed by its task's callback at the floor rate. The
 *   Kling node's rate step at that rate, minus this, is the node's share of a resume.
 * - The database-ping series: resumes sent to one webhook process directly (its own URL, past the balancer) at
 *   increasing rates, until a step has a "Database ping failed" line in n8n's log or an answer 503 (n8n's
 *   "Database is not ready!"). In queue mode the rates series already went to the only webhook process: this series
 *   then starts above its highest rate, or is skipped when that series saw the ping fail.
 */
import type { Bench } from '../harness';
import type { CallbackLoadResult, CapacityShape, PingSeries, RateStep } from '../results';
import { PATHS, type EnvMode } from '../settings';
import { callbackLoadScenario, rateStep } from './callbackLoad';

export interface CapacityOptions {
	rates: number[];
	secondsPerStep: number;
	floorItems: number[];
	floorCallbacks: number;
	floorRate: number;
	pingRates: number[];
	workerConcurrency: number;
}

/** The step saw n8n's database ping fail: the log line, or n8n's 503 "Database is not ready!". */
export function pingFailed(step: RateStep): boolean {
	return (step.logErrors['Database ping failed'] ?? 0) > 0 || (step.answers['503'] ?? 0) > 0;
}

function describe(step: RateStep): string {
	return (
		`${step.clean ? 'clean' : 'ERRORS'}, answers ${JSON.stringify(step.answers)}, ${step.succeeded}/${step.callbacks} succeeded, ` +
		`log ${JSON.stringify(step.logErrorsByProcess ?? step.logErrors)}, CPU/resume ${JSON.stringify(step.cpuMsByProcess ?? step.n8nCpuMsPerResume)} ms, ` +
		`answer median ${step.answerMsMedian} ms max ${step.answerMsMax} ms`
	);
}

export async function capacityScenario(bench: Bench, mode: EnvMode, options: CapacityOptions, log: (line: string) => void): Promise<CallbackLoadResult> {
	const state = bench.env.state;
	const shape: CapacityShape = {
		mode,
		callbacksTo: mode === 'scaled' ? 'the load balancer' : 'the webhook process',
		webhookProcesses: state.webhookProcesses.length,
		workers: state.workers.length,
		workerConcurrency: options.workerConcurrency,
		databasePoolSize: state.cliEnv.DB_POSTGRESDB_POOL_SIZE ?? "n8n's default",
		floorRate: options.floorRate,
	};
	log(`capacity, ${mode}: ${shape.workers} workers (${shape.workerConcurrency} slots each), ${shape.webhookProcesses} webhook processes, pool ${shape.databasePoolSize}`);

	// n8n's own resume first, at the floor rate.
	const stockWait = await rateStep(bench, options.floorRate, options.secondsPerStep, { path: PATHS.stockWait, label: 'stockwait' });
	log(`stock Wait resumes at ${options.floorRate}/s: ${describe(stockWait)}`);

	// The floor per callback (404) and the Kling node's resumes through the URL APIXO calls; the Kling step at the floor
	// rate is measured even when the rates leave it out.
	const rates = options.rates.includes(options.floorRate) ? options.rates : [...options.rates, options.floorRate].sort((a, b) => a - b);
	const result = await callbackLoadScenario(bench, { ...options, rates }, log);
	result.shape = shape;
	result.stockWait = stockWait;

	// One webhook process directly, until the database ping fails.
	const target = state.webhookProcesses[0];
	const series: PingSeries = { to: target.name, rates: [] };
	let pingRates = options.pingRates;
	if (mode === 'queue') {
		const failed = result.rates.find(pingFailed);
		const highest = Math.max(0, ...result.rates.map((step) => step.ratePerSecond));
		if (failed) {
			series.firstFailureRate = failed.ratePerSecond;
			series.note = `The rates series went to the only webhook process and saw the ping fail at ${failed.ratePerSecond}/s: no series of its own.`;
			pingRates = [];
		} else {
			series.note = `The rates series went to the only webhook process up to ${highest}/s without a ping failure: this series goes on above it.`;
			pingRates = pingRates.filter((rate) => rate > highest);
		}
	}
	for (const rate of pingRates) {
		const step = await rateStep(bench, rate, options.secondsPerStep, { to: target.url, label: 'ping' });
		series.rates.push(step);
		log(`${target.name} directly at ${rate}/s: ${pingFailed(step) ? 'DATABASE PING FAILED' : 'ping held'}; ${describe(step)}`);
		if (pingFailed(step)) {
			series.firstFailureRate = rate;
			break;
		}
	}
	result.pingSeries = series;
	return result;
}
