/**
 * Batch wall-clock, requests and CPU per item: one execution with N items, every task the same length (compressed
 * timing) or spread like real videos from a generator seeded by N (spread and real timing: the same tasks for every
 * mode at the same N).
 */
import type { CallbackDelivery, TaskRecord } from '../../test/simulator/types';
import { log, redeliveries, type Bench } from '../harness';
import type { Execution } from '../lib/clients';
import { count, median, round, seeded } from '../lib/stats';
import type { BatchResult } from '../results';
import { BATCH_TASK_MS, PATHS, type Mode, type Timing } from '../settings';

/** Whether a callback batch already failed or did not finish: a bigger one would only fail longer. */
export function previousCallbackFailed(batches: BatchResult[]): boolean {
	return batches.some((batch) => batch.mode === 'callback' && (batch.timedOut || batch.status !== 'success'));
}

export function batchItems(label: string, n: number, extra = '', durations?: number[]): Array<Record<string, unknown>> {
	return Array.from({ length: n }, (_, index) => ({ prompt: `[sim:ms=${durations?.[index] ?? BATCH_TASK_MS}]${extra} bench ${label} #${index}` }));
}

/** The batch's task durations at this timing: all the same, or uniform in [min, max] from a generator seeded by N. */
export function batchDurations(timing: Timing, n: number): number[] {
	const spec = timing.batchTaskMs;
	if (typeof spec === 'number') return Array.from({ length: n }, () => spec);
	const random = seeded(20260105 + n);
	return Array.from({ length: n }, () => Math.round(spec[0] + random() * (spec[1] - spec[0])));
}

/** The callback deliveries in the order sent, the tasks by submit order, times in seconds from `since`. */
function deliveryLog(tasks: TaskRecord[], callbacks: CallbackDelivery[], since: number): NonNullable<BatchResult['deliveries']> {
	const ordered = [...tasks].sort((a, b) => a.createdAt - b.createdAt);
	const index = new Map(ordered.map((task, at) => [task.taskId, at]));
	const seconds = (ms: number) => Math.round((ms - since) / 100) / 10;
	return [...callbacks]
		.sort((a, b) => a.at - b.at)
		.map((delivery) => {
			const task = ordered[index.get(delivery.taskId) ?? -1];
			return {
				task: index.get(delivery.taskId) ?? -1,
				attempt: delivery.attempt,
				status: delivery.status,
				atS: seconds(delivery.at),
				...(task?.endedAt !== undefined && { taskEndedAtS: seconds(task.endedAt) }),
			};
		});
}

/** The n8n processes (by name) serving the origins of the tasks' callback URLs. */
function callbackTargets(bench: Bench, tasks: TaskRecord[]): string[] {
	const state = bench.env.state;
	const byOrigin = new Map<string, string>([[new URL(state.editorUrl).origin, 'n8n-main']]);
	for (const process of state.webhookProcesses) byOrigin.set(new URL(process.url).origin, process.name);
	const origins = new Set(tasks.map((task) => task.callback_url).filter((url): url is string => Boolean(url)).map((url) => new URL(url).origin));
	return [...origins].map((origin) => byOrigin.get(origin) ?? origin).sort();
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
		const compressed = bench.timing.name === 'compressed';
		const durations = batchDurations(bench.timing, n);
		const logMark = bench.logMark();
		const stopMeter = bench.meter.start();
		const { outcome, execution } = await bench.run(PATHS[mode], batchItems(`batch ${mode}`, n, '', durations), timeoutMs);
		// Spread and real timing: callbacks answered other than 200 are delivered again by APIXO's schedule (30 s ×
		// scale later); the first redelivery is waited for and counted, the rest projected.
		if (!compressed && mode === 'callback' && !outcome.timedOut) await bench.awaitRedeliveries();
		// A run that did not finish is counted as it stands, then the simulator forgets its tasks, which stops its
		// callbacks and their retries (otherwise they keep n8n busy for minutes).
		let tasks: TaskRecord[] = [];
		let callbacks: CallbackDelivery[] = [];
		const cost = await bench.cost(stopMeter, !outcome.timedOut, async () => {
			tasks = await bench.sim.tasks();
			callbacks = (await bench.sim.stats()).callbacks;
			if (outcome.timedOut) await bench.sim.reset();
		});
		const logged = bench.logSince(logMark);
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
		if (!compressed) {
			run.taskMsRange = [Math.min(...durations), Math.max(...durations)];
			if (mode === 'callback') {
				run.callbackTo = callbackTargets(bench, tasks);
				run.redeliveriesDue = outcome.timedOut ? undefined : redeliveries(callbacks).due;
				run.deliveries = deliveryLog(tasks, callbacks, outcome.startedAt ?? outcome.postedAt);
			}
		}
		runs.push(run);
		log(
			`${mode} N=${n}: ${run.status}, wall ${round(wallMs)} ms, ${round(run.requestsPerVideo, 2)} requests/video, ` +
				`${cost.responses429}×429, CPU ${round(run.cpuMainMsPerItem, 1)} ms/item, others ${round(cost.meter.otherCores, 2)} cores` +
				(run.resumeConflicts || run.databasePingFailures ? `, ${run.resumeConflicts} resume conflicts, ${run.databasePingFailures} database ping failures` : '') +
				(!compressed && mode === 'callback' ? `, ${cost.callbackDeliveries} callback deliveries ${JSON.stringify(cost.callbackAnswers)}` : '') +
				(run.redeliveriesDue ? `, ${run.redeliveriesDue} redeliveries still due` : '') +
				(run.callbackTo ? `, callbacks to ${run.callbackTo.join(', ')}` : ''),
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
