import type { INodeType } from 'n8n-workflow';

import { MEMORY_CAPACITY, SEEN_TTL_MS, STORED_CAPACITY, SeenTaskIds } from '../../nodes/KlingTrigger/taskMemory';
import { submitTask, useTriggerTestbed } from '../helpers/trigger';

const { sim, receiver, endedTask } = useTriggerTestbed();

describe('Kling Trigger', () => {
	test('a callback delivered three times ([sim:dup=2]) starts exactly one execution', async () => {
		const trigger = await receiver();
		const taskId = await submitTask(sim.url, 'an owl [sim:ms=100] [sim:dup=2]', trigger.url);
		await sim.waitForCallbacks(3);

		expect(trigger.deliveries.map((delivery) => [delivery.taskId, delivery.status])).toEqual([
			[taskId, 200],
			[taskId, 200],
			[taskId, 200],
		]);
		expect(trigger.deliveries.map((delivery) => delivery.body)).toEqual([
			{ received: true },
			{ received: true, duplicate: true },
			{ received: true, duplicate: true },
		]);
		expect(await trigger.executions()).toHaveLength(1);
	});

	test('deliveries of one callback at the same moment start one execution, and all are answered 200', async () => {
		const trigger = await receiver();
		const taskId = await endedTask('success');
		const answers = await Promise.all([1, 2, 3].map(async () => await sim.sendCallback(taskId, { url: trigger.url })));
		expect(await trigger.executions()).toHaveLength(1);
		expect(answers.map(({ status }) => status)).toEqual([200, 200, 200]);
	});

	test('callbacks handled at the same time are all remembered, although each request saves the whole static data', async () => {
		const trigger = await receiver();
		const taskIds = await Promise.all([1, 2, 3, 4, 5, 6].map(async (index) => await endedTask('success', `burst ${index} [sim:ms=600000]`)));
		await Promise.all(taskIds.map(async (taskId) => await sim.sendCallback(taskId, { url: trigger.url })));
		expect(await trigger.executions()).toHaveLength(6);
		// The requests loaded the static data before any of them saved it; the last save still holds every id.
		expect(Object.keys(JSON.parse(trigger.store.json)['node:Kling Trigger'].seenTaskIds)).toEqual(expect.arrayContaining(taskIds));
	});

	test('a burst of callbacks is remembered with far fewer static data writes than callbacks, every id included', async () => {
		const trigger = await receiver();
		const taskIds = await Promise.all(Array.from({ length: 30 }, async (_, index) => await endedTask('success', `batch ${index} [sim:ms=600000]`)));
		await Promise.all(taskIds.map(async (taskId) => await sim.sendCallback(taskId, { url: trigger.url })));
		expect(await trigger.executions()).toHaveLength(30);
		expect(Object.keys(JSON.parse(trigger.store.json)['node:Kling Trigger'].seenTaskIds)).toEqual(expect.arrayContaining(taskIds));
		// Each write carries every id: one while the burst is handled, one by the last callback to end.
		expect(trigger.store.saves).toBeGreaterThanOrEqual(1);
		expect(trigger.store.saves).toBeLessThanOrEqual(5);
	});

	test('after a restart, a repeated callback still starts nothing: the ids are kept in the workflow static data', async () => {
		const first = await receiver();
		const taskId = await endedTask('success');
		expect((await sim.sendCallback(taskId, { url: first.url })).status).toBe(200);
		expect(await first.executions()).toHaveLength(1);
		expect(JSON.parse(first.store.json)['node:Kling Trigger'].seenTaskIds).toHaveProperty(taskId);

		// A fresh copy of the node module: nothing of the old process's memory, the same database.
		let Restarted: (new () => INodeType) | undefined;
		jest.isolateModules(() => {
			// eslint-disable-next-line @typescript-eslint/no-require-imports
			Restarted = (require('../../nodes/KlingTrigger/KlingTrigger.node') as { KlingTrigger: new () => INodeType }).KlingTrigger;
		});
		const afterRestart = await receiver({}, { nodeClass: Restarted, store: first.store });
		expect(JSON.parse((await sim.sendCallback(taskId, { url: afterRestart.url })).body)).toEqual({ received: true, duplicate: true });
		expect(await afterRestart.executions()).toHaveLength(0);

		// Control: had the static data been lost as well, the repeat would have started a second execution.
		const amnesiac = await receiver({}, { nodeClass: Restarted });
		await sim.sendCallback(taskId, { url: amnesiac.url });
		expect(await amnesiac.executions()).toHaveLength(1);
	});
});

describe('remembered task ids', () => {
	const start = Date.UTC(2025, 0, 1);

	test(`a process remembers ${MEMORY_CAPACITY} ids for 24 hours, forgetting the oldest first`, () => {
		const seen = new SeenTaskIds(MEMORY_CAPACITY, SEEN_TTL_MS);
		for (let index = 0; index <= MEMORY_CAPACITY; index++) seen.add(`task_${index}`, start + index);
		expect(seen.size).toBe(MEMORY_CAPACITY);
		expect(seen.has('task_0', start + MEMORY_CAPACITY)).toBe(false);
		expect(seen.has('task_1', start + MEMORY_CAPACITY)).toBe(true);
		expect(seen.has(`task_${MEMORY_CAPACITY}`, start + SEEN_TTL_MS - 1)).toBe(true);
		expect(seen.has(`task_${MEMORY_CAPACITY}`, start + MEMORY_CAPACITY + SEEN_TTL_MS)).toBe(false);
	});

	test(`the static data keeps the newest ${STORED_CAPACITY} ids of the last 24 hours, whatever order the database returns`, () => {
		const record: Record<string, number> = {};
		for (let index = STORED_CAPACITY + 10; index > 0; index--) record[`task_${index}`] = start + index;
		const stored = SeenTaskIds.fromRecord(record, STORED_CAPACITY, SEEN_TTL_MS);
		expect(stored.size).toBe(STORED_CAPACITY);
		expect(stored.has('task_10', start + 1000)).toBe(false);
		expect(stored.has('task_11', start + 1000)).toBe(true);

		stored.add('task_new', start + SEEN_TTL_MS + 20);
		const kept = Object.keys(stored.toRecord());
		expect(kept).toContain('task_new');
		// Ids accepted more than 24 hours before the newest one are dropped when it is added.
		expect(kept).not.toContain('task_19');
		expect(kept).toContain('task_21');
	});
});
