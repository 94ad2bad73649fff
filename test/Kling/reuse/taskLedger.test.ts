/**
 * The ledger's rule for which paid task a run may take: a case table over owners, holds, the window and what this
 * process knows was delivered. Plain data: the static data object n8n would save, and this process's memory.
 */
import type { IDataObject } from 'n8n-workflow';

import { markRunning, TaskLedger } from '../../../nodes/Kling/reuse/taskLedger';

const HOUR = 3_600_000;
let scopes = 0;
const now = () => 10 * HOUR;

/** A ledger over fresh static data, with one task recorded by `owner` at `at`. */
function ledgerWith(entry: { owner: string; at?: number; heldUntil?: number }) {
	const staticData: IDataObject = {};
	const ledger = TaskLedger.over(staticData, `scope-${++scopes}`, 24 * HOUR, () => entry.at ?? now() - 1000);
	ledger.record('fp', 'task_1', entry.owner, entry.heldUntil);
	return { staticData, scope: `scope-${scopes}` };
}

describe('which paid task a run may take', () => {
	test.each([
		['its owner ended without delivering it', { owner: 'ended' }, 'me', true],
		['its owner is this run itself (Retry On Fail)', { owner: 'me' }, 'me', true],
		['its owner still runs in this process', { owner: 'running' }, 'me', false],
		['its owner waits for callbacks, before the wait limit', { owner: 'paused', heldUntil: now() + 60_000 }, 'me', false],
		['its owner waited for callbacks, after the wait limit', { owner: 'paused', heldUntil: now() - 1 }, 'me', true],
		['it was paid for outside the window', { owner: 'ended', at: now() - 25 * HOUR }, 'me', false],
	])('%s: %s', (_, entry, claimant, free) => {
		const ended = markRunning('running');
		try {
			const { staticData, scope } = ledgerWith(entry);
			// Another execution of the same workflow (its own copy of the static data), in this process.
			const claimed = TaskLedger.over(JSON.parse(JSON.stringify(staticData)) as IDataObject, scope, 24 * HOUR, now).claim(['fp'], claimant);
			expect(claimed[0]?.taskId).toBe(free ? 'task_1' : undefined);
		} finally {
			ended();
		}
	});

	test('a task this process saw delivered is not taken from an older copy of the static data', () => {
		const { staticData, scope } = ledgerWith({ owner: 'ended' });
		const olderCopy = JSON.parse(JSON.stringify(staticData)) as IDataObject;
		TaskLedger.over(staticData, scope, 24 * HOUR, now).forget('task_1');
		expect(TaskLedger.over(olderCopy, scope, 24 * HOUR, now).claim(['fp'], 'me')).toEqual([undefined]);
	});

	test('another process (static data alone) takes a task its owner left', () => {
		const { staticData } = ledgerWith({ owner: 'ended' });
		expect(TaskLedger.over(staticData, `another process ${++scopes}`, 24 * HOUR, now).claim(['fp'], 'me')[0]?.taskId).toBe('task_1');
	});

	test('once taken, a task is the taker\'s: a run starting meanwhile does not take it too', () => {
		const { staticData, scope } = ledgerWith({ owner: 'ended' });
		const taker = markRunning('taker');
		try {
			expect(TaskLedger.over(staticData, scope, 24 * HOUR, now).claim(['fp'], 'taker')[0]?.taskId).toBe('task_1');
			expect(TaskLedger.over(staticData, scope, 24 * HOUR, now).claim(['fp'], 'other')).toEqual([undefined]);
		} finally {
			taker();
		}
	});

	test('two tasks for one request: each is taken once, the oldest first', () => {
		const staticData: IDataObject = {};
		let at = now() - 5000;
		const ledger = TaskLedger.over(staticData, `scope-${++scopes}`, 24 * HOUR, () => at++);
		ledger.record('fp', 'task_old', 'a');
		ledger.record('fp', 'task_new', 'b');
		expect(TaskLedger.over(staticData, `another process ${++scopes}`, 24 * HOUR, now).claim(['fp', 'fp', 'fp'], 'me').map((entry) => entry?.taskId)).toEqual(['task_old', 'task_new', undefined]);
	});

	test('what an earlier version kept (fingerprint → [task id, submitted at]) is read once and carried over', () => {
		const staticData: IDataObject = { undeliveredTasks: { fp: ['task_legacy', now() - 1000] } };
		const claimed = TaskLedger.over(staticData, `scope-${++scopes}`, 24 * HOUR, now).claim(['fp'], 'me');
		expect(claimed[0]?.taskId).toBe('task_legacy');
		expect(staticData).not.toHaveProperty('undeliveredTasks');
		expect(staticData.paidTasks).toHaveProperty('task_legacy');
	});

	test('a run that failed before it paused frees its held tasks for a retry', () => {
		const { staticData, scope } = ledgerWith({ owner: 'paused', heldUntil: now() + 60_000 });
		TaskLedger.over(staticData, scope, 24 * HOUR, now).release(['task_1']);
		expect(TaskLedger.over(staticData, `another process ${++scopes}`, 24 * HOUR, now).claim(['fp'], 'me')[0]?.taskId).toBe('task_1');
	});
});
