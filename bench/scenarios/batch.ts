/** Batch wall-clock, requests and CPU per item: one execution with N items, every task the same length. */
import type { TaskRecord } from '../../test/simulator/types';
import { log, type Bench } from '../harness';
import type { Execution } from '../lib/clients';
import { count, median, round } from '../lib/stats';
import type { BatchResult } from '../results';
import { BATCH_TASK_MS, PATHS, type Mode } from '../settings';

/** Whether a callback batch already failed or did not finish: a bigger one would only fail longer. */
export function previousCallbackFailed(batches: BatchResult[]): boolean {
	return batches.some((batch) => batch.mode === 'callback' && (batch.timedOut || batch.status !== 'success'));
}

export function batchItems(label: string, n: number, extra = ''): Array<Record<string, unknown>> {
	return Array.from({ length: n }, (_, index) => ({ prompt: `[sim:ms=${BATCH_TASK_MS}]${extra} bench ${label} #${index}` }));
}

function taskSpan(tasks: TaskRecord[]): { lastEnded?: number; submitSpanMs?: number; ended: number } {
	const ended = tasks.filter((task) => task.endedAt !== undefined);
	const created = tasks.map((task) => task.createdAt);
	return {
		lastEnded: ended.length ? Math.max(...ended.map((task) => task.endedAt as number)) : undefined,
		submitSpanMs: created.length ? Math.max(...created) - Math.min(...created) : undefined,
		ended: ended.length,
	};
}

export async function batchScenario(bench: Bench, mode: Mode, n: number, timeoutMs: number, repeats = 1, note?: string): Promise<BatchResult> {
	const runs: BatchResult[] = [];
	for (let repeat = 0; repeat < repeats; repeat++) {
		await bench.fresh();
		const logBefore = bench.n8nLog();
		const stopMeter = bench.meter.start();
		const { outcome, execution } = await bench.run(PATHS[mode], batchItems(`batch ${mode}`, n), timeoutMs);
		// A run that did not finish is counted as it stands, then the simulator forgets its tasks, which stops its
		// callbacks and their retries (otherwise they keep n8n busy for minutes).
		let tasks: TaskRecord[] = [];
		const cost = await bench.cost(stopMeter, !outcome.timedOut, async () => {
			tasks = await bench.sim.tasks();
			if (outcome.timedOut) await bench.sim.reset();
		});
		const logged = bench.n8nLog().slice(logBefore.length);
		const span = taskSpan(tasks);
		const wallMs = outcome.outputAt !== undefined && outcome.startedAt !== undefined ? outcome.outputAt - outcome.startedAt : undefined;
		const run: BatchResult = {
			mode,
			n,
			status: outcome.status,
			error: outcome.error,
			timedOut: outcome.timedOut,
			wallMs,
			repeats,
			tailMs: outcome.outputAt !== undefined && span.lastEnded !== undefined ? outcome.outputAt - span.lastEnded : undefined,
			submitSpanMs: span.submitSpanMs,
			tasksCreated: tasks.length,
			tasksEnded: span.ended,
			requestsPerVideo: cost.apiRequests / n,
			cpuMainMsPerItem: cost.meter.n8nMainCpuMs / n,
			resumeConflicts: count(logged, `already being resumed by another process (execution ${outcome.executionId})`),
			databasePingFailures: count(logged, 'Database ping failed'),
			tasksWithoutAcceptedCallback:
				mode === 'callback' ? Math.max(0, tasks.filter((task) => task.request_type === 'callback').length - cost.tasksWithCallbackAccepted) : 0,
			requestTypes: tasks.reduce<Record<string, number>>((out, task) => ({ ...out, [task.request_type]: (out[task.request_type] ?? 0) + 1 }), {}),
			hints: hintsOf(execution),
			cost,
			note: outcome.timedOut ? `stopped after ${timeoutMs / 1000} s` : note,
		};
		runs.push(run);
		log(
			`${mode} N=${n}: ${run.status}, wall ${round(wallMs)} ms, ${round(run.requestsPerVideo, 2)} requests/video, ` +
				`${cost.responses429}×429, CPU ${round(run.cpuMainMsPerItem, 1)} ms/item, others ${round(cost.meter.otherCores, 2)} cores` +
				(run.resumeConflicts || run.databasePingFailures ? `, ${run.resumeConflicts} resume conflicts, ${run.databasePingFailures} database ping failures` : ''),
		);
	}
	// Repeats (N = 1): the median run by wall-clock, with the median CPU.
	const finished = runs.filter((run) => run.wallMs !== undefined).sort((a, b) => (a.wallMs as number) - (b.wallMs as number));
	const result = { ...(finished[Math.floor((finished.length - 1) / 2)] ?? runs[runs.length - 1]) };
	if (runs.length > 1) {
		result.wallMs = median(finished.map((run) => run.wallMs as number));
		result.cpuMainMsPerItem = median(runs.map((run) => run.cpuMainMsPerItem)) as number;
	}
	return result;
}

/** Hints the Kling node's runs carry in the execution record. */
function hintsOf(execution: Execution | undefined): string[] {
	const runs = (execution?.data?.resultData.runData.Kling ?? []) as Array<{ hints?: Array<{ message?: string }> }>;
	return runs.flatMap((run) => (run.hints ?? []).map((hint) => hint.message ?? '')).filter(Boolean);
}
