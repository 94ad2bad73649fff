/**
 * What this process has read of tasks, shared by the callbacks it serves: an ended task's status never changes,
 * so it is kept (bounded) and never read again; a read already under way is joined instead of sent twice. Only
 * an optimisation: a callback served by another process (queue mode) reads for itself, and every decision
 * stands on reads, never on this memory alone.
 */
import { BoundedCache } from '../../../shared/boundedCache';
import { systemClock, type Clock } from '../../../shared/clock';
import { isUnknownTask } from '../../../shared/failures';
import type { TaskStatus } from '../../../shared/taskResult';
import { isEnded } from '../../../shared/taskResult';
import type { TaskFact } from './resumeDecision';

export interface TaskRead {
	fact: TaskFact;
	/** The status read, for an ended task. */
	status?: TaskStatus;
	/** Why the read failed, for an `unknown` (404) or `unreadable` fact. */
	error?: unknown;
}

/** Tasks remembered at most, ended and running apart. */
const MAX_TASKS = 20_000;

/** APIXO documents Unix milliseconds; tolerate them as a numeric string, ignore anything else. */
export function timeOf(value: unknown): number | undefined {
	const time = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	return typeof time === 'number' && Number.isFinite(time) && time > 0 ? time : undefined;
}

export class TaskFactStore {
	private readonly ended = new BoundedCache<string, TaskRead>({ maxEntries: MAX_TASKS });
	private readonly runningSeenAt = new BoundedCache<string, number>({ maxEntries: MAX_TASKS });
	private readonly inFlight = new Map<string, { startedAt: number; read: Promise<TaskRead> }>();
	private endedSignal = newSignal();

	constructor(private readonly clock: Pick<Clock, 'now'> = systemClock) {}

	/** What is known without a request: an ended task, or the last time it was seen running. */
	known(key: string): TaskRead | undefined {
		const ended = this.ended.get(key);
		if (ended) return ended;
		const seenAt = this.runningSeenAt.get(key);
		return seenAt === undefined ? undefined : { fact: { kind: 'running', seenAt } };
	}

	/**
	 * A read that starts no earlier than `notBefore`: the ended status if known, a read already under way that
	 * started late enough, or a new one. Only APIXO's "no such task" reads as `unknown` (failures.ts' one rule for
	 * "gone"); any other failure, a 403 from a gateway included, as `unreadable`: the callback is delivered again.
	 */
	async read(key: string, notBefore: number, fetch: () => Promise<TaskStatus>): Promise<TaskRead> {
		const now = () => this.clock.now();
		const ended = this.ended.get(key);
		if (ended) return ended;
		const pending = this.inFlight.get(key);
		if (pending && pending.startedAt > notBefore) return await pending.read;
		const startedAt = now();
		const entry = { startedAt, read: undefined as unknown as Promise<TaskRead> };
		entry.read = (async (): Promise<TaskRead> => {
			try {
				const status = await fetch();
				const seenAt = now();
				if (!isEnded(status.state)) {
					// Any state but success/failed (processing_r2 has been seen) is still running.
					this.runningSeenAt.set(key, Math.max(startedAt, this.runningSeenAt.get(key) ?? 0), seenAt);
					return { fact: { kind: 'running', seenAt: startedAt } };
				}
				const result: TaskRead = { fact: { kind: 'ended', seenAt, completeTime: timeOf(status.completeTime) }, status };
				this.runningSeenAt.delete(key);
				this.ended.set(key, result, seenAt);
				const signal = this.endedSignal;
				this.endedSignal = newSignal();
				signal.fire();
				return result;
			} catch (error) {
				return { fact: { kind: isUnknownTask(error) ? 'unknown' : 'unreadable', seenAt: now() }, error };
			} finally {
				if (this.inFlight.get(key) === entry) this.inFlight.delete(key);
			}
		})();
		this.inFlight.set(key, entry);
		return await entry.read;
	}

	/** Settles when a task is next read as ended, by any callback this process serves. */
	nextEnded(): Promise<void> {
		return this.endedSignal.fired;
	}
}

function newSignal(): { fired: Promise<void>; fire: () => void } {
	let fire: () => void = () => {};
	const fired = new Promise<void>((resolve) => (fire = resolve));
	return { fired, fire };
}

export const sharedTaskFacts = new TaskFactStore();
