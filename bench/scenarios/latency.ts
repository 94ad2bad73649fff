/** Requests per video and completion-detection latency: single-item executions, the same tasks for every mode. */
import type { Bench, RunOutcome } from '../harness';
import { sleep } from '../lib/clients';
import { seeded, summarize } from '../lib/stats';
import type { LatencyResult } from '../results';
import { LATENCY_GAP_MS, LATENCY_TASK_MS, PATHS, type Mode } from '../settings';

/** Single-item executions, started LATENCY_GAP_MS apart, the same task durations for every mode. */
export async function latencyScenario(bench: Bench, mode: Mode, samples: number): Promise<LatencyResult> {
	await bench.fresh();
	const random = seeded(20251126);
	const durations = Array.from({ length: samples }, () =>
		Math.round(LATENCY_TASK_MS[0] + random() * (LATENCY_TASK_MS[1] - LATENCY_TASK_MS[0])),
	);
	const stopMeter = bench.meter.start();
	const started: Array<Promise<RunOutcome & { prompt: string }>> = [];
	for (const [index, ms] of durations.entries()) {
		const prompt = `[sim:ms=${ms}] bench latency ${mode} #${index}`;
		const postedAt = Date.now();
		const executionId = await bench.n8n.start(PATHS[mode], { items: [{ prompt }], baseUrl: bench.sim.url });
		started.push(bench.follow(executionId, postedAt, 120_000).then((result) => ({ ...result.outcome, prompt })));
		await sleep(LATENCY_GAP_MS);
	}
	const outcomes = await Promise.all(started);
	const cost = await bench.cost(stopMeter);
	const tasks = new Map((await bench.sim.tasks()).map((task) => [task.input.prompt, task]));
	const latencies: number[] = [];
	const walls: number[] = [];
	let failed = 0;
	for (const outcome of outcomes) {
		const task = tasks.get(outcome.prompt);
		if (outcome.outputAt === undefined || task?.endedAt === undefined) {
			failed++;
			continue;
		}
		latencies.push(outcome.outputAt - task.endedAt);
		if (outcome.startedAt !== undefined) walls.push(outcome.outputAt - outcome.startedAt);
	}
	return {
		mode,
		samples,
		failed,
		latency: summarize(latencies),
		wall: summarize(walls),
		requestsPerVideo: cost.apiRequests / samples,
		cost,
	};
}
