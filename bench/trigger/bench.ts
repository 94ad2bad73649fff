/** The Kling Trigger bursts in each mode, one environment per mode, and their results files (trigger.json, trigger.md). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { CREDENTIAL } from '../../scripts/e2e/environment';
import type { TriggerFlags } from '../flags';
import { withEnvironment, writeResults } from '../lib/cli';
import { loadAverage } from '../lib/proc';
import type { TriggerBenchResults } from '../results';
import { TRIGGER_TOKEN, VARIANTS, type Variant } from '../settings';
import { Profiler } from './profile';
import { renderTriggerMarkdown } from './report';
import { BurstRunner, log } from './runner';

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
				parameters: { events: 'both', verifyWithApi, token: TRIGGER_TOKEN },
				credentials: verifyWithApi ? { apixoApi: { id: CREDENTIAL.id, name: CREDENTIAL.name } } : {},
			},
		],
		connections: {},
	};
}

/** Writes <out>/trigger.json and trigger.md. */
export function writeTriggerResults(out: string, results: TriggerBenchResults): void {
	const json = writeResults(out, 'trigger', results, renderTriggerMarkdown);
	log(`wrote ${json} and trigger.md${results.durationS ? ` in ${results.durationS} s` : ''}`);
}

/** Runs the bursts in each mode, one environment per mode, logging progress lines. */
export async function triggerBurstBench(repoDir: string, flags: Omit<TriggerFlags, 'out'>): Promise<TriggerBenchResults> {
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
		const runDir = join(repoDir, '.e2e', `bench-trigger-${mode}`);
		const simulator = { timeScale: flags.retryScale, rateLimit: 10_000 };
		await withEnvironment({ mode, repoDir, n8nVersion: flags.n8nVersion, runDir, workflowsDir, simulator, build, log }, async (env) => {
			build = false;
			results.n8nVersion = env.state.n8nVersion;
			const profiler = flags.profile ? await Profiler.attach(env.state.pids[mode === 'queue' ? 'n8n-webhook' : 'n8n-main']) : undefined;
			const runner = new BurstRunner(env, flags.retryScale, profiler);
			for (const n of flags.sizes) {
				for (const variant of flags.variants) results.bursts.push(await runner.burst(variant, n));
			}
		});
	}
	results.machine.loadAfter = loadAverage();
	results.durationS = Math.round((Date.now() - startedAt) / 1000);
	return results;
}
