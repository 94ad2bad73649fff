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
 *
 * This file wires the pieces: flags.ts, then trigger/bench.ts (one environment per mode, the results files) and
 * trigger/runner.ts (one burst).
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseTriggerFlags } from './flags';
import { runMain, stopOnSignals } from './lib/cli';
import { loadAverage } from './lib/proc';
import type { TriggerBenchResults } from './results';
import { triggerBurstBench, writeTriggerResults } from './trigger/bench';
import { log } from './trigger/runner';

async function main(): Promise<void> {
	const repoDir = resolve(__dirname, '..', '..');
	stopOnSignals();
	const flags = parseTriggerFlags(process.argv.slice(2), repoDir);
	if (flags.reportOnly) {
		writeTriggerResults(flags.out, JSON.parse(readFileSync(join(flags.out, 'trigger.json'), 'utf8')) as TriggerBenchResults);
		return;
	}
	log(`load average ${loadAverage().join(' ')} on ${cpus().length} cores`);
	const results = await triggerBurstBench(repoDir, flags);
	for (const burst of results.bursts.filter((each) => each.profile)) log(`${burst.mode} ${burst.variant} ${burst.n}: ${JSON.stringify(burst.profile)}`);
	writeTriggerResults(flags.out, results);
}

if (require.main === module) runMain('trigger bench', main);
