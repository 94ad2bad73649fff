import type { CallbackDecision, CallbackSituation, TaskFact } from '../../../../nodes/Kling/wait/callbackWait/resumeDecision';
import { decideCallback } from '../../../../nodes/Kling/wait/callbackWait/resumeDecision';

const ARRIVED = 1_000_000;
const TAKE_OVER = 60_000;

const ids = (count: number) => Array.from({ length: count }, (_, index) => `task_${index}`);
const running = (seenAt = ARRIVED + 10): TaskFact => ({ kind: 'running', seenAt });
const ended = (completeTime?: number, seenAt = ARRIVED + 10): TaskFact => ({ kind: 'ended', completeTime, seenAt });

function situation(overrides: Partial<CallbackSituation> & { facts?: Map<number, TaskFact> }): CallbackSituation {
	return {
		taskIds: ids(5),
		callbackTaskId: 'task_0',
		arrivedAt: ARRIVED,
		now: ARRIVED + 50,
		facts: new Map(),
		takeOverAfterMs: TAKE_OVER,
		maxReadsAtOnce: 10,
		...overrides,
	};
}

/** Drives the decision like the webhook does: answers each read from `world`, until a final decision. */
function settle(base: CallbackSituation, world: (itemIndex: number) => TaskFact): { decision: CallbackDecision; reads: number[] } {
	const facts = new Map(base.facts);
	const reads: number[] = [];
	for (let step = 0; step < 100; step++) {
		const decision = decideCallback({ ...base, facts });
		if (decision.action !== 'read') return { decision, reads };
		for (const index of decision.itemIndexes) {
			reads.push(index);
			facts.set(index, world(index));
		}
	}
	throw new Error('the decision never settled');
}

describe('the resume decision for one callback', () => {
	test('a callback without a task ID is refused with 400, one for a task of another execution with 404', () => {
		expect(decideCallback(situation({ callbackTaskId: undefined }))).toMatchObject({ action: 'refuse', status: 400 });
		expect(decideCallback(situation({ callbackTaskId: '' }))).toMatchObject({ action: 'refuse', status: 400 });
		expect(decideCallback(situation({ callbackTaskId: 'task_elsewhere' }))).toMatchObject({ action: 'refuse', status: 404 });
	});

	test('early in a batch: two reads find two later tasks running, and the callback is acknowledged without reading more', () => {
		const { decision, reads } = settle(situation({ taskIds: ids(100), callbackTaskId: 'task_3' }), () => running());
		expect(decision.action).toBe('acknowledge');
		// The last submitted first: the likeliest to be still running.
		expect(reads).toEqual([99, 98]);
	});

	test('running seen before this callback arrived proves nothing: those tasks are read again', () => {
		const stale = new Map<number, TaskFact>([
			[3, running(ARRIVED - 1)],
			[4, running(ARRIVED - 1)],
		]);
		const first = decideCallback(situation({ facts: stale }));
		expect(first).toEqual({ action: 'read', itemIndexes: [4, 3] });
		const fresh = new Map<number, TaskFact>([
			[3, running(ARRIVED + 1)],
			[4, running(ARRIVED + 1)],
		]);
		expect(decideCallback(situation({ facts: fresh })).action).toBe('acknowledge');
	});

	test('the task that ended last resumes the execution, once every task reads as ended', () => {
		const world = (index: number) => ended(1000 + index);
		const { decision } = settle(situation({ callbackTaskId: 'task_4' }), world);
		expect(decision).toEqual({ action: 'resume' });
	});

	test('the callback of the task that ended last but one is deferred while the last one runs, so a lost last callback cannot stall the batch', () => {
		const world = (index: number) => (index === 4 ? running() : ended(1000 + index));
		expect(settle(situation({ callbackTaskId: 'task_3' }), world).decision.action).toBe('defer');
	});

	test('it is deferred while the last task ended recently (its own callback resumes), and resumes in its place once that is overdue', () => {
		const lastEndedAt = ARRIVED;
		const world = (index: number) => ended(index === 4 ? lastEndedAt : lastEndedAt - 1000 + index);
		expect(settle(situation({ callbackTaskId: 'task_3', now: lastEndedAt + 5_000 }), world).decision.action).toBe('defer');
		const redelivered = situation({ callbackTaskId: 'task_3', arrivedAt: lastEndedAt + TAKE_OVER + 1, now: lastEndedAt + TAKE_OVER + 2 });
		expect(settle(redelivered, (index) => ended(index === 4 ? lastEndedAt : lastEndedAt - 1000 + index, lastEndedAt + TAKE_OVER + 2)).decision).toEqual({
			action: 'resume',
		});
	});

	test('callbacks that are neither of the last two are acknowledged once every task has ended', () => {
		const world = (index: number) => ended(1000 + index);
		expect(settle(situation({ callbackTaskId: 'task_1' }), world).decision.action).toBe('acknowledge');
	});

	test('a callback whose own task still reads as running is deferred, not swallowed', () => {
		const world = (index: number) => (index === 4 ? running() : ended(1000 + index));
		expect(settle(situation({ callbackTaskId: 'task_4' }), world).decision).toMatchObject({ action: 'defer' });
	});

	test('a read that fails for a passing reason defers the callback', () => {
		const world = (index: number): TaskFact => (index === 2 ? { kind: 'unreadable', seenAt: ARRIVED + 5 } : ended(1000 + index));
		expect(settle(situation({ callbackTaskId: 'task_4' }), world).decision).toMatchObject({ action: 'defer' });
		const own = (index: number): TaskFact => (index === 4 ? { kind: 'unreadable', seenAt: ARRIVED + 5 } : ended(1000 + index));
		expect(settle(situation({ callbackTaskId: 'task_4' }), own).decision).toMatchObject({ action: 'defer' });
	});

	test('a task APIXO does not know (404) counts as ended, so it cannot hold the execution forever', () => {
		const world = (index: number): TaskFact => (index === 2 ? { kind: 'unknown', seenAt: ARRIVED + 5 } : ended(1000 + index));
		expect(settle(situation({ callbackTaskId: 'task_4' }), world).decision).toEqual({ action: 'resume' });
	});

	test('without completeTime from the API, tasks are ordered by when they were first seen ended', () => {
		const world = (index: number) => ended(undefined, ARRIVED + index);
		expect(settle(situation({ callbackTaskId: 'task_4' }), world).decision).toEqual({ action: 'resume' });
		expect(settle(situation({ callbackTaskId: 'task_3' }), world).decision.action).toBe('defer');
	});

	test('a single task resumes on its own callback; items that were never submitted are ignored', () => {
		const taskIds = [undefined, 'task_1', undefined];
		expect(settle(situation({ taskIds, callbackTaskId: 'task_1' }), () => ended(5)).decision).toEqual({ action: 'resume' });
	});

	test('a repeated callback decides the same way as the first: duplicates change nothing', () => {
		const world = (index: number) => (index === 4 ? running() : ended(1000 + index));
		const first = settle(situation({ callbackTaskId: 'task_1' }), world).decision;
		const again = settle(situation({ callbackTaskId: 'task_1' }), world).decision;
		expect(again).toEqual(first);
	});

	test('a forged callback for a task still running cannot resume: it is deferred (or acknowledged while two others run)', () => {
		const world = (index: number) => (index === 0 ? running() : ended(1000 + index));
		expect(settle(situation({ callbackTaskId: 'task_0' }), world).decision.action).toBe('defer');
	});

	test('with any one callback lost, the others still resume the batch: simulated end orders and losses', () => {
		for (let count = 1; count <= 6; count++) {
			for (let lost = 0; lost < count; lost++) {
				if (count === 1) continue; // a single task whose only callback is lost has nobody to resume it
				// Tasks end in index order; every delivered callback is handled after all tasks ended or at its end.
				const resumed = simulate(count, lost);
				expect({ count, lost, resumed }).toEqual({ count, lost, resumed: true });
			}
		}
	});
});

/**
 * Tasks 0..count-1 end one second apart; each callback except `lost` is delivered at its task's end, and a
 * deferred one is delivered again 30, 90 and 270 s later. Returns whether some delivery resumed.
 */
function simulate(count: number, lost: number): boolean {
	const endAt = (index: number) => 10_000 + index * 1000;
	const deliveries: Array<{ task: number; at: number; attempt: number }> = [];
	for (let task = 0; task < count; task++) if (task !== lost) deliveries.push({ task, at: endAt(task) + 100, attempt: 0 });
	const retryDelays = [30_000, 90_000, 270_000];
	while (deliveries.length > 0) {
		deliveries.sort((a, b) => a.at - b.at);
		const delivery = deliveries.shift() as { task: number; at: number; attempt: number };
		const world = (index: number): TaskFact => (endAt(index) <= delivery.at + 5 ? ended(endAt(index), delivery.at + 5) : running(delivery.at + 5));
		const { decision } = settle(
			situation({ taskIds: ids(count), callbackTaskId: `task_${delivery.task}`, arrivedAt: delivery.at, now: delivery.at + 10 }),
			world,
		);
		if (decision.action === 'resume') return true;
		if (decision.action === 'defer' && delivery.attempt < retryDelays.length) {
			deliveries.push({ task: delivery.task, at: delivery.at + retryDelays[delivery.attempt], attempt: delivery.attempt + 1 });
		}
	}
	return false;
}
