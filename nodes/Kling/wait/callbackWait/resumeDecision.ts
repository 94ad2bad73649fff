/**
 * Which answer one APIXO callback of a paused execution gets, decided from facts read from the API: plain
 * TypeScript, no n8n imports, no clock of its own (the caller passes `now`).
 *
 * APIXO posts every task's callback to the execution's one resume URL, once, and delivers it again (a few
 * times, with growing delays) only when it is not answered 200 within 30 s. Nothing is kept between two
 * callbacks of a waiting execution (in queue mode each may reach another process), so every callback decides
 * afresh, and the decision must survive the loss of any one callback — the one of the task that ends last
 * included:
 * - A callback is acknowledged (200, the execution keeps waiting) only when at least two other tasks are proven
 *   to end after its own: one of their callbacks still comes even if the other is lost, and whichever of them
 *   comes last re-reads every task. Proof is a read that found the other task running after this callback
 *   arrived (its own task ended before APIXO sent it), or an end time later than its own.
 * - The callback of the task that ended last resumes the execution.
 * - The callback of the task that ended last but one is deferred (non-200) while the last task runs, and while
 *   the last task's own callback may still be resuming (`takeOverAfterMs`); on a later delivery it resumes in
 *   that callback's place. So the loss of the last callback costs one redelivery, not the wait limit.
 * - Its own task still reading as running (APIXO's status lagging its callback), or a read that failed for a
 *   passing reason, defers: APIXO delivers again and the next delivery reads again.
 * What is output is always read from the API: a callback body decides nothing but which task it speaks for.
 */

import { NOT_A_CALLBACK } from '../../../shared/callback';

/** What is known of one task, from a status read. Times: `seenAt` by the caller's clock, `completeTime` by APIXO's. */
export type TaskFact =
	| { kind: 'running'; seenAt: number }
	| { kind: 'ended'; seenAt: number; completeTime?: number }
	/** APIXO answered 404 for the task: it will never report anything else, so it counts as ended. */
	| { kind: 'unknown'; seenAt: number }
	/** The read failed for any other reason (network, 429, 5xx, a gateway's 403): it may pass, so it is read again. */
	| { kind: 'unreadable'; seenAt: number };

export interface CallbackSituation {
	/** Task ID per input item, in input order; undefined for an item that was not submitted. */
	taskIds: ReadonlyArray<string | undefined>;
	/** `data.taskId` of the callback body. */
	callbackTaskId: unknown;
	/** When this callback arrived (the caller's clock): any read after it that finds a task running proves it ends later. */
	arrivedAt: number;
	now: number;
	/** What is known so far, by item index. */
	facts: ReadonlyMap<number, TaskFact>;
	/** How long the last task's own callback has to resume before the last-but-one takes over. */
	takeOverAfterMs: number;
	/** Reads at once when the next step reads many. */
	maxReadsAtOnce: number;
}

export type CallbackDecision =
	| { action: 'refuse'; status: 400 | 404; reason: string }
	/** Read these items' tasks (fresh), then decide again. */
	| { action: 'read'; itemIndexes: number[] }
	| { action: 'acknowledge'; reason: string }
	| { action: 'defer'; reason: string }
	| { action: 'resume' };

const proofAfter = (fact: TaskFact | undefined, arrivedAt: number) => fact?.kind === 'running' && fact.seenAt > arrivedAt;
/** Ended, or unknown to APIXO (which will never report anything else). */
export const isEndedFact = (fact: TaskFact | undefined): boolean => fact?.kind === 'ended' || fact?.kind === 'unknown';

/**
 * Whether task `other` ended after task `own` (both ended). APIXO's completeTime orders them when both have one;
 * otherwise the caller's first sight of each; ties go to the later item.
 */
function endedAfter(facts: ReadonlyMap<number, TaskFact>, other: number, own: number): boolean {
	const [a, b] = [facts.get(other), facts.get(own)] as Array<Extract<TaskFact, { kind: 'ended' | 'unknown' }>>;
	const complete = (fact: typeof a) => (fact.kind === 'ended' ? fact.completeTime : undefined);
	const [ta, tb] =
		complete(a) !== undefined && complete(b) !== undefined ? [complete(a) as number, complete(b) as number] : [a.seenAt, b.seenAt];
	return ta > tb || (ta === tb && other > own);
}

export function decideCallback(situation: CallbackSituation): CallbackDecision {
	const { taskIds, callbackTaskId, arrivedAt, now, facts } = situation;
	if (typeof callbackTaskId !== 'string' || callbackTaskId === '') {
		return { action: 'refuse', status: 400, reason: NOT_A_CALLBACK };
	}
	const own = taskIds.indexOf(callbackTaskId);
	if (own === -1) return { action: 'refuse', status: 404, reason: 'This task is not one this execution is waiting for' };
	const others = taskIds.flatMap((taskId, index) => (taskId !== undefined && index !== own ? [index] : []));

	// 1. Two other tasks proven to end later — seen running after this callback arrived, or, once this callback's own
	// task is known to have ended, ended after it — acknowledge. Reads of the others come first, the last submitted
	// first (the likeliest to be running), so an early callback costs two reads at most.
	const ownEnded = isEndedFact(facts.get(own));
	const provenLater = others.filter(
		(index) => proofAfter(facts.get(index), arrivedAt) || (ownEnded && isEndedFact(facts.get(index)) && endedAfter(facts, index, own)),
	);
	if (provenLater.length >= 2) return { action: 'acknowledge', reason: 'two later tasks will call back' };
	const unread = others.filter((index) => {
		const fact = facts.get(index);
		return fact === undefined || (fact.kind === 'running' && !proofAfter(fact, arrivedAt));
	});
	if (unread.length > 0) {
		const endedCount = others.filter((index) => isEndedFact(facts.get(index))).length;
		// Few reads while they keep finding running tasks; more at once once most tasks turn out ended.
		const want = endedCount === 0 ? 2 - provenLater.length : Math.max(2 - provenLater.length, endedCount);
		return { action: 'read', itemIndexes: unread.reverse().slice(0, Math.min(want, situation.maxReadsAtOnce)) };
	}
	const unreadable = others.find((index) => facts.get(index)?.kind === 'unreadable');
	if (unreadable !== undefined) {
		return { action: 'defer', reason: `could not read task ${String(taskIds[unreadable])} yet` };
	}

	// 2. Every other task is known; now this callback's own task.
	const ownFact = facts.get(own);
	if (ownFact === undefined || (ownFact.kind === 'running' && ownFact.seenAt <= arrivedAt)) {
		return { action: 'read', itemIndexes: [own] };
	}
	if (ownFact.kind === 'unreadable') return { action: 'defer', reason: `could not read task ${callbackTaskId} yet` };
	if (ownFact.kind === 'running') return { action: 'defer', reason: `task ${callbackTaskId} still reads as running` };

	// 3. Every task has ended, or one other runs (proven later): which ended after this one?
	const later = others.filter((index) => proofAfter(facts.get(index), arrivedAt) || endedAfter(facts, index, own));
	if (later.length >= 2) return { action: 'acknowledge', reason: 'two later tasks will call back' };
	if (later.length === 0) return { action: 'resume' };
	const last = facts.get(later[0]) as TaskFact;
	if (last.kind === 'running') {
		return { action: 'defer', reason: `task ${String(taskIds[later[0]])} is still running and its callback may be lost` };
	}
	const endedAt = last.kind === 'ended' && last.completeTime !== undefined ? Math.min(last.completeTime, last.seenAt) : last.seenAt;
	if (now - endedAt >= situation.takeOverAfterMs) return { action: 'resume' };
	return { action: 'defer', reason: `task ${String(taskIds[later[0]])} ended last; its callback resumes, this one is kept in case it is lost` };
}
