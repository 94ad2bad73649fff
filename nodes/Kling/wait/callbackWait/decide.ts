import type { IWebhookFunctions } from 'n8n-workflow';

import type { ApixoClient } from '../../../shared/ApixoClient';
import type { Clock } from '../../../shared/clock';
import { createClient } from '../../../shared/createClient';
import type { TaskStatus } from '../../../shared/taskResult';
import { decideCallback, isEndedFact, type CallbackDecision, type TaskFact } from './resumeDecision';
import type { StoredSettings } from './settings';
import { sharedTaskFacts } from './taskFacts';

// Deciding one callback of a paused execution: the reads the decision asks for (resumeDecision.ts), within the
// time APIXO gives a callback, sharing what this process has read (taskFacts.ts).

/**
 * A callback is answered within APIXO's 30 s: reads that take longer are abandoned and the callback deferred
 * (answered non-200, so APIXO delivers it again). Each read: three retries at most, 8 s per request.
 */
const DECISION_BUDGET_MS = 20_000;
const READS_AT_ONCE = 10;
/**
 * How long a callback whose own task has ended waits for the callbacks of the tasks that end after it (each reads
 * its own task, and what it reads proves that task ended later) before it reads tasks that may still be running,
 * reads that buy nothing but proof. Half the decision budget, so that those reads still fit in it.
 */
const HOLD_FOR_LATER_CALLBACKS_MS = 10_000;

/** Whether a fact from the shared store says more than the one this callback holds. */
export function isNewer(known: TaskFact, mine: TaskFact): boolean {
	if (mine.kind !== 'running') return false;
	return known.kind !== 'running' || known.seenAt > mine.seenAt;
}

/** The other tasks not known to have ended: with fewer than two, no later callback can bring the proof. */
function notKnownEnded(taskIds: Array<string | undefined>, facts: ReadonlyMap<number, TaskFact>, own: number): number {
	return taskIds.filter((taskId, index) => taskId !== undefined && index !== own && !isEndedFact(facts.get(index))).length;
}

/**
 * Waits until another callback of this process reads a task as ended, or `ms` pass. True when the decision's
 * budget ran out meanwhile.
 */
async function holdForLaterCallbacks(ms: number, outOfTime: Promise<boolean>, clock: Clock): Promise<boolean> {
	const held = new AbortController();
	try {
		return await Promise.race([
			sharedTaskFacts.nextEnded().then(() => false),
			clock.sleep(ms, held.signal).then(
				() => false,
				() => false,
			),
			outOfTime,
		]);
	} finally {
		held.abort();
	}
}

/** Reads what the decision asks for, within the decision's budget; a read that fails for a passing reason counts as unreadable. */
async function readTasks(
	itemIndexes: number[],
	taskIds: Array<string | undefined>,
	scope: string,
	arrivedAt: number,
	client: () => Promise<ApixoClient>,
	facts: Map<number, TaskFact>,
	statuses: Map<number, TaskStatus>,
	errors: Map<number, unknown>,
): Promise<void> {
	const api = await client();
	await Promise.all(
		itemIndexes.map(async (itemIndex) => {
			const taskId = taskIds[itemIndex] as string;
			const read = await sharedTaskFacts.read(`${scope}|${taskId}`, arrivedAt, async () => await api.getStatus(taskId, itemIndex));
			facts.set(itemIndex, read.fact);
			if (read.status) statuses.set(itemIndex, read.status);
			if (read.error !== undefined) errors.set(itemIndex, read.error);
		}),
	);
}

export interface Deciding {
	taskIds: Array<string | undefined>;
	own: number;
	callbackTaskId: unknown;
	arrivedAt: number;
	scope: string;
	settings: StoredSettings;
	facts: Map<number, TaskFact>;
	statuses: Map<number, TaskStatus>;
	errors: Map<number, unknown>;
	takeInKnown: () => void;
}

/** Reads what the decision asks for until it refuses, acknowledges, defers or resumes, within DECISION_BUDGET_MS. */
export async function decide(
	context: IWebhookFunctions,
	{ taskIds, own, callbackTaskId, arrivedAt, scope, settings, facts, statuses, errors, takeInKnown }: Deciding,
	clock: Clock,
): Promise<CallbackDecision> {
	// Reads still under way when the budget runs out are left to end on their own (each is bounded by its
	// request timeout and retries); the callback is deferred meanwhile.
	const finished = new AbortController();
	const outOfTime = clock.sleep(DECISION_BUDGET_MS, finished.signal).then(
		() => true,
		() => false,
	);
	let clientPromise: Promise<ApixoClient> | undefined;
	const client = async () =>
		await (clientPromise ??= createClient(context, {
			requestsPerMinute: settings.requestsPerMinute,
			maxRetries: 3,
			requestTimeoutMs: 8_000,
			shareCredentialRead: true,
		}));

	let decision: CallbackDecision;
	try {
		for (;;) {
			// From here to the hold below nothing awaits, so no read that ends in between goes unnoticed.
			takeInKnown();
			decision = decideCallback({
				taskIds,
				callbackTaskId,
				arrivedAt,
				now: clock.now(),
				facts,
				takeOverAfterMs: settings.takeOverAfterMs,
				maxReadsAtOnce: Math.max(READS_AT_ONCE, settings.concurrency),
			});
			if (decision.action !== 'read') break;
			const ownFact = facts.get(own);
			let itemIndexes = decision.itemIndexes;
			if (own !== -1 && (ownFact === undefined || (ownFact.kind === 'running' && ownFact.seenAt <= arrivedAt))) {
				// Its own task first: its callback says it has ended, the output needs the read anyway, and once its
				// end is known, the tasks that ended after it prove as well as tasks seen running.
				itemIndexes = [own];
			} else if (
				isEndedFact(ownFact) &&
				notKnownEnded(taskIds, facts, own) >= 2 &&
				clock.now() - arrivedAt < HOLD_FOR_LATER_CALLBACKS_MS
			) {
				if (await holdForLaterCallbacks(HOLD_FOR_LATER_CALLBACKS_MS - (clock.now() - arrivedAt), outOfTime, clock)) {
					decision = { action: 'defer', reason: 'reading the tasks took too long' };
					break;
				}
				continue;
			}
			const readsDone = readTasks(itemIndexes, taskIds, scope, arrivedAt, client, facts, statuses, errors).then(() => false);
			readsDone.catch(() => undefined); // a failure after the budget ran out changes nothing
			if (await Promise.race([readsDone, outOfTime])) {
				decision = { action: 'defer', reason: 'reading the tasks took too long' };
				break;
			}
		}
	} finally {
		finished.abort();
	}
	return decision;

}

