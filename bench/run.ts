/**
 * `npm run bench`: the package's Kling node (Wait (Poll), Wait (Pause Until Callback)) and the loop users build
 * from stock nodes (HTTP Request → Wait 30 s → HTTP Request → IF → Wait 5 s → back), side by side in one real
 * n8n against the APIXO simulator, with time scaled by 0.1 (30 s → 3 s, 5 s → 0.5 s).
 *
 *   node build/bench/run.js [--no-build] [--quick] [--out DIR] [--stock-max N] [--callback-max N]
 *     [--trigger-only] [--no-trigger] [--trigger-sizes 200,1000] [--trigger-modes single,queue] [--report-only]
 *     [--batch-only --sizes 1,10 --modes callback,poll [--spread | --real-timing] [--env-mode single|queue]]
 *     [--load-only [--env-mode queue|scaled --floor-rate 4 --ping-rates 8,16,24,32,48] --load-rates 1,2,4 --load-seconds 10]
 *
 * Writes <out>/latest.json and <out>/latest.md (default bench/results/; --quick writes quick.*, --batch-only
 * batch.* or, with another timing or queue mode, batch-<timing>-<mode>.*, --load-only load.* or, in queue or scaled
 * mode, capacity-<mode>.*; see flags.ts resultsName). Measurements
 * that miss their target are reported, never fatal: the exit code is 0 unless the harness itself breaks.
 *
 * This file wires the pieces: flags.ts, harness.ts (one n8n and the simulator), scenarios/, targets.ts, report.ts
 * and, last, the Kling Trigger bursts (trigger/) in their own environments.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import type { Environment } from '../scripts/e2e/environment';
import { parseBenchFlags, resultsName, standardTriggerBench, type BenchFlags } from './flags';
import { Bench, log } from './harness';
import { MAX_CALLBACK_ITEMS } from './limits';
import { runMain, stopOnSignals, withEnvironment, writeResults } from './lib/cli';
import { loadAverage } from './lib/proc';
import { timedWorkflows } from './lib/workflows';
import { round } from './lib/stats';
import { renderMarkdown } from './report/markdown';
import { renderCapacity } from './report/capacity';
import type { BenchResults } from './results';
import { batchScenario, previousCallbackFailed } from './scenarios/batch';
import { callbackLoadScenario } from './scenarios/callbackLoad';
import { capacityScenario } from './scenarios/capacity';
import { latencyScenario } from './scenarios/latency';
import { memoryScenario } from './scenarios/memory';
import { rateLimitScenario } from './scenarios/rateLimit';
import { ANSWER_TIMEOUT_MS, LATENCY_TASK_MS, MODES, RATE_LIMIT_PER_MINUTE, RETRY_DELAYS_MS, TIMINGS, type Timing } from './settings';

/** Execution slots per worker in queue and scaled mode (scripts/e2e's default). */
const WORKER_CONCURRENCY = 5;
import { evaluate, findings } from './targets';
import { triggerBurstBench, writeTriggerResults } from './trigger/bench';
import { triggerTargets } from './trigger/targets';

function gitCommit(repoDir: string): string {
	try {
		const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoDir, encoding: 'utf8' }).trim();
		const dirty = execFileSync('git', ['status', '--porcelain', '--', 'nodes', 'credentials', 'bench', ':!bench/results', 'package.json'], {
			cwd: repoDir,
			encoding: 'utf8',
		}).trim();
		return dirty ? `${commit} (with uncommitted changes)` : commit;
	} catch {
		return 'unknown';
	}
}

function nodeVersionOf(env: Environment): string {
	try {
		return execFileSync('node', ['--version'], { env: { PATH: env.state.cliEnv.PATH ?? '' }, encoding: 'utf8' }).trim();
	} catch {
		return process.version;
	}
}

/** The results before anything is measured: the machine, the versions and the settings of this run. */
function emptyResults(
	env: Environment,
	flags: BenchFlags,
	repoDir: string,
	loadBefore: [number, number, number],
	pollOptions: Record<string, number>,
	timing: Timing,
): BenchResults {
	const standard = timing.name === 'compressed' && flags.envMode === 'single';
	return {
		date: new Date().toISOString(),
		quick: flags.quick,
		durationS: 0,
		machine: {
			cores: cpus().length,
			cpuModel: cpus()[0]?.model ?? 'unknown',
			memoryBytes: totalmem(),
			load: { before: loadBefore, after: loadBefore, max1: loadBefore[0] },
			otherCoresAverage: 0,
			idleN8nCpuMsPerSecond: 0,
		},
		versions: {
			node: nodeVersionOf(env),
			n8n: env.state.n8nVersion,
			package: (JSON.parse(readFileSync(join(repoDir, 'package.json'), 'utf8')) as { version: string }).version,
			commit: gitCommit(repoDir),
		},
		settings: {
			timeScale: timing.timeScale,
			nodeOptions: {
				initialDelayS: pollOptions.initialDelay,
				pollIntervalS: pollOptions.pollInterval,
				concurrency: pollOptions.concurrency ?? 10,
				requestsPerMinute: pollOptions.requestsPerMinute ?? RATE_LIMIT_PER_MINUTE,
			},
			stockLoop: { firstWaitS: timing.initialDelayS, loopWaitS: timing.pollIntervalS },
			batchTaskMs: timing.batchTaskMs,
			maxCallbackItems: MAX_CALLBACK_ITEMS,
			...(standard
				? {}
				: {
						timing: timing.name,
						environmentMode: flags.envMode,
						batchStopAfterS: timing.stopAfterMs(1) / 1000,
						callbackRetryDelaysMs: RETRY_DELAYS_MS,
						callbackAnswerTimeoutMs: ANSWER_TIMEOUT_MS,
					}),
			latencyTaskMs: LATENCY_TASK_MS,
			latencySamplesPerMode: flags.quick ? 6 : 20,
			rateLimitPerMinute: RATE_LIMIT_PER_MINUTE,
			binaryDataMode: env.state.cliEnv.N8N_DEFAULT_BINARY_DATA_MODE ?? 'default',
		},
		latency: [],
		batches: [],
		memory: [],
		targets: [],
		findings: [],
		notes: [],
	};
}

/** The scenarios in their order, each followed by a check that n8n is still healthy (restarted if not). */
async function measure(bench: Bench, flags: BenchFlags, results: BenchResults, timing: Timing): Promise<void> {
	const sizes = flags.sizes ?? (flags.quick ? [1, 10, 100] : [1, 10, 100, 1000]);
	const loadOptions = {
		rates: flags.quick ? flags.loadRates.slice(0, 2) : flags.loadRates,
		secondsPerStep: flags.loadSeconds,
		floorItems: flags.quick ? [1] : [1, MAX_CALLBACK_ITEMS],
		floorCallbacks: flags.quick ? 50 : 100,
	};
	const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
		const result = await work();
		const note = await bench.recover(name);
		if (note) results.notes.push(note);
		return result;
	};

	if (flags.loadOnly && flags.envMode !== 'single') {
		const capacity = { ...loadOptions, floorRate: flags.floorRate, pingRates: flags.pingRates, workerConcurrency: WORKER_CONCURRENCY };
		results.callbackLoad = await step('the capacity run', async () => await capacityScenario(bench, flags.envMode, capacity, log));
	} else if (flags.loadOnly) {
		results.callbackLoad = await step('the callback load run', async () => await callbackLoadScenario(bench, loadOptions, log));
	}
	// 1, 2: requests per video and completion-detection latency, single-item executions.
	for (const mode of flags.loadOnly || flags.batchOnly ? [] : MODES) {
		const result = await step(`the ${mode} latency runs`, async () => await latencyScenario(bench, mode, results.settings.latencySamplesPerMode));
		results.latency.push(result);
		log(
			`latency ${mode}: median ${round(result.latency.median)} ms, p95 ${round(result.latency.p95)} ms, ` +
				`${round(result.requestsPerVideo, 2)} requests/video, ${result.failed} failed`,
		);
	}

	// n8n's CPU with no workflow running, once it has warmed up (for reference; not subtracted).
	if (!flags.loadOnly && !flags.batchOnly) results.machine.idleN8nCpuMsPerSecond = round(await bench.idleCpuRate(), 1) as number;
	log(`n8n idles at ${results.machine.idleN8nCpuMsPerSecond} ms CPU per second`);

	// 5: memory while downloading 100 MB videos, while n8n's heap is still small.
	const memoryItems = flags.quick ? 4 : 20;
	for (let pair = 0; pair < (flags.loadOnly || flags.batchOnly ? 0 : flags.quick ? 1 : 2); pair++) {
		results.memory.push(await step('the memory run without download', async () => await memoryScenario(bench, false, memoryItems)));
		results.memory.push(await step('the memory run with download', async () => await memoryScenario(bench, true, memoryItems)));
	}

	// 3, 6: batches (and CPU per item). Callback at N = 1,000 goes last: it is the slowest by far.
	for (const n of flags.loadOnly ? [] : sizes) {
		for (const mode of flags.modes) {
			if (mode === 'callback' && n > flags.callbackMax) continue;
			// Above MAX_CALLBACK_ITEMS the node polls by itself: that batch runs whatever the smaller ones did.
			if (mode === 'callback' && n <= 200 && previousCallbackFailed(results.batches)) {
				results.notes.push(`Wait (Pause Until Callback) with ${n.toLocaleString('en-US')} items was not run: it did not finish with fewer.`);
				continue;
			}
			if (mode === 'stock' && n > flags.stockMax) continue;
			const timeoutMs = timing.stopAfterMs(n);
			results.batches.push(await step(`the ${mode} batch of ${n}`, async () => await batchScenario(bench, mode, n, timeoutMs, n === 1 ? 3 : 1)));
		}
	}

	// 4: 429s with the limit enforced.
	if (!flags.loadOnly && !flags.batchOnly) {
		const rateN = flags.quick ? 500 : 2000;
		results.rateLimit = await step(`the ${rateN}-item rate-limit run`, async () => await rateLimitScenario(bench, rateN));
		log(`rate limit, ${rateN} items: ${results.rateLimit.status}, ${results.rateLimit.responses429}×429, busiest window ${results.rateLimit.maxRequestsInAnyWindow}`);
	}

	// 7: callbacks per second one n8n holds, and n8n's own work per callback.
	if (flags.load && !flags.loadOnly && !flags.batchOnly) {
		results.callbackLoad = await step('the callback load run', async () => await callbackLoadScenario(bench, loadOptions, log));
	}
}

async function main(): Promise<void> {
	const repoDir = resolve(__dirname, '..', '..');
	stopOnSignals();
	const flags = parseBenchFlags(process.argv.slice(2), repoDir);
	const name = resultsName(flags);
	if (flags.reportOnly) {
		// The file this run's flags would write (--batch-only --real-timing --env-mode queue: batch-real-queue.json).
		const results = JSON.parse(readFileSync(join(flags.out, `${name}.json`), 'utf8')) as BenchResults;
		if (results.callbackLoad?.shape) {
			log(`read ${writeResults(flags.out, name, results, renderCapacity)} and wrote ${name}.md again`);
			return;
		}
		evaluate(results);
		results.findings = findings(results);
		log(`evaluated ${writeResults(flags.out, name, results, renderMarkdown)} again and wrote ${name}.md`);
		return;
	}
	if (flags.triggerOnly) {
		const trigger = await triggerBurstBench(repoDir, standardTriggerBench(flags.triggerSizes, flags.triggerModes, flags.build));
		writeTriggerResults(flags.out, trigger);
		for (const target of triggerTargets(trigger)) log(`${target.pass ? 'PASS' : 'MISS'} ${target.id}: ${target.measured}`);
		return;
	}
	const startedAt = Date.now();
	const loadBefore = loadAverage();
	log(`load average ${loadBefore.join(' ')} on ${cpus().length} cores`);

	const timing = TIMINGS[flags.timing];
	const workflows = timedWorkflows(join(repoDir, 'bench', 'workflows'), timing);
	log(`timing ${timing.name}: time scale ${timing.timeScale}, Initial Delay ${timing.initialDelayS} s, Poll Interval ${timing.pollIntervalS} s; ${flags.envMode}`);
	const pollWorkflow = JSON.parse(readFileSync(join(workflows.dir, 'benchPoll0000000.json'), 'utf8')) as {
		nodes: Array<{ name: string; parameters: { options?: Record<string, number> } }>;
	};
	const pollOptions = pollWorkflow.nodes.find((node) => node.name === 'Kling')?.parameters.options ?? {};

	// Imported by now, or never: the copies go either way.
	process.once('exit', workflows.remove);
	const environment = {
		mode: flags.envMode,
		repoDir,
		runDir: join(repoDir, '.e2e', 'bench'),
		workflowsDir: workflows.dir,
		simulator: { timeScale: timing.timeScale, rateLimit: RATE_LIMIT_PER_MINUTE },
		build: flags.build,
		workerConcurrency: WORKER_CONCURRENCY,
		log,
	};
	const results = await withEnvironment(environment, async (env) => {
		workflows.remove();
		const bench = new Bench(env, timing);
		const measured = emptyResults(env, flags, repoDir, loadBefore, pollOptions, timing);
		try {
			await measure(bench, flags, measured, timing);
		} finally {
			bench.close();
			measured.machine.load.after = loadAverage();
			measured.machine.load.max1 = round(bench.maxLoad, 2) as number;
			const weighted = bench.otherCores.reduce((sum, each) => sum + each.cores * each.ms, 0);
			const total = bench.otherCores.reduce((sum, each) => sum + each.ms, 0);
			measured.machine.otherCoresAverage = round(total ? weighted / total : 0, 2) as number;
		}
		return measured;
	});
	// Kling Trigger bursts last, each mode in its own environment.
	if (flags.trigger && !flags.loadOnly && !flags.batchOnly) {
		results.triggerBurst = await triggerBurstBench(repoDir, standardTriggerBench(flags.triggerSizes, flags.triggerModes, false));
	}
	results.durationS = Math.round((Date.now() - startedAt) / 1000);
	results.batches.sort((a, b) => a.n - b.n || MODES.indexOf(a.mode) - MODES.indexOf(b.mode));
	const capacity = results.callbackLoad?.shape !== undefined;
	if (!capacity) {
		evaluate(results);
		results.findings = findings(results);
	}
	log(`wrote ${writeResults(flags.out, name, results, capacity ? renderCapacity : renderMarkdown)} and ${name}.md in ${results.durationS} s`);
	for (const target of results.targets) log(`${target.pass ? 'PASS' : 'MISS'} ${target.id}: ${target.measured}`);
}

if (require.main === module) runMain('bench', main);
