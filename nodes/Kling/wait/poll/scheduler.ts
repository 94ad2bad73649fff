import { abortReason, type Clock } from '../../../shared/clock';
import type { TaskStatus } from '../../../shared/taskResult';
import type { PendingTask, WaitSchedule } from '../../task';

export type { WaitSchedule };
import { isEnded } from '../../../shared/taskResult';

const WAIT_CANCELLED = 'The wait was cancelled';

export interface WaitOutcome {
	ended: Map<number, TaskStatus>;
	/** Tasks whose status could not be read (after the client's own retries). */
	failedReads: Map<number, { task: PendingTask; error: unknown }>;
	/** Tasks still running when the timeout passed, with their last known state. */
	timedOut: PendingTask[];
}

/**
 * One polling loop over every pending task of an execution, not one loop per item: a pool of `concurrency`
 * workers always asks about the task whose next check is due soonest. N tasks therefore take about as long as
 * the slowest one, and the request budget (applied inside `fetchStatus`) keeps the whole batch under the API's
 * rate limit. The timeout is a hard bound: at the deadline, reads still in flight (or waiting for the budget or
 * a retry) are abandoned through the signal handed to `fetchStatus`, and their tasks count as timed out.
 * Plain TypeScript driven by a `Clock`, so it can be tested with a fake one.
 */
export async function waitForTasks(
	tasks: PendingTask[],
	schedule: WaitSchedule,
	fetchStatus: (task: PendingTask, signal: AbortSignal) => Promise<TaskStatus>,
	clock: Clock,
	signal?: AbortSignal,
	isPassing: (error: unknown) => boolean = () => false,
): Promise<WaitOutcome> {
	const startedAt = clock.now();
	const deadline = startedAt + schedule.timeoutMs;
	const outcome: WaitOutcome = { ended: new Map(), failedReads: new Map(), timedOut: [] };
	// Aborted at the deadline (reads in flight are abandoned), on cancel, and when the wait is over.
	const stop = new AbortController();
	const readSignal = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
	const pastDeadline = new Promise<'deadline'>((resolve) => {
		clock.sleep(schedule.timeoutMs, stop.signal).then(
			() => {
				stop.abort(new Error('The wait timed out'));
				resolve('deadline');
			},
			() => resolve('deadline'),
		);
	});
	const nextCheckAt = new Map<PendingTask, number>();
	for (const task of tasks) nextCheckAt.set(task, task.submittedAt + schedule.initialDelayMs);
	const inFlight = new Set<PendingTask>();

	const dueSoonest = (): PendingTask | undefined => {
		let best: PendingTask | undefined;
		for (const [task, at] of nextCheckAt) {
			if (inFlight.has(task)) continue;
			if (best === undefined || at < (nextCheckAt.get(best) as number)) best = task;
		}
		return best;
	};

	const worker = async (): Promise<void> => {
		for (;;) {
			if (signal?.aborted) throw abortReason(signal, WAIT_CANCELLED);
			const task = dueSoonest();
			const now = clock.now();
			if (task === undefined || now >= deadline) return;
			const dueAt = nextCheckAt.get(task) as number;
			if (dueAt > now) {
				await clock.sleep(Math.min(dueAt, deadline) - now, signal);
				continue;
			}
			inFlight.add(task);
			try {
				const status = await Promise.race([fetchStatus(task, readSignal), pastDeadline]);
				if (status === 'deadline') return; // the task stays pending: timed out
				if (isEnded(status.state)) {
					nextCheckAt.delete(task);
					outcome.ended.set(task.key, status);
				} else {
					if (status.state) task.lastState = status.state;
					nextCheckAt.set(task, clock.now() + schedule.pollIntervalMs);
				}
			} catch (error) {
				if (signal?.aborted) throw abortReason(signal, WAIT_CANCELLED);
				if (stop.signal.aborted) return; // abandoned at the deadline: the task stays pending
				if (isPassing(error)) {
					// The task is still running at APIXO: a rate limit or outage only delays the next check.
					nextCheckAt.set(task, clock.now() + schedule.pollIntervalMs);
				} else {
					nextCheckAt.delete(task);
					outcome.failedReads.set(task.key, { task, error });
				}
			} finally {
				inFlight.delete(task);
			}
		}
	};

	const workers = Math.max(1, Math.min(schedule.concurrency, tasks.length));
	try {
		await Promise.all(Array.from({ length: workers }, worker));
	} finally {
		if (!stop.signal.aborted) stop.abort(new Error('The wait is over'));
	}
	outcome.timedOut = [...nextCheckAt.keys()].sort((a, b) => a.key - b.key);
	return outcome;
}
