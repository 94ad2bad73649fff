import { createHash } from 'crypto';
import { Container } from '@n8n/di';
import { BinaryDataService } from 'n8n-core';
import type { IBinaryData, INodeType } from 'n8n-workflow';

import { MEMORY_CAPACITY, SEEN_TTL_MS, STORED_CAPACITY, SeenTaskIds } from '../nodes/KlingTrigger/taskMemory';
import { afterTheBurst, burstHold, callbackArrived, heldNow } from '../nodes/KlingTrigger/burst';
import { verifySchedule } from '../nodes/KlingTrigger/verification';
import { credentialReads } from './helpers/engine';
import { FakeClock } from './helpers/fakeClock';
import { startTriggerReceiver, startTrap, submitTask, type TriggerReceiver, type TriggerReceiverOptions } from './helpers/trigger';
import { startSimulator, type Simulator } from './simulator';

let sim: Simulator;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
	// Short retry delays: a refused callback is retried, and [sim:dup] extras follow, within a fraction of a second.
	sim = await startSimulator({ callbackRetryDelaysMs: [50, 100, 150] });
	// The trigger confirms a callback it has answered over 3.5 minutes at most; here over 0.4 s.
	verifySchedule.pausesMs = [50, 100, 100, 150];
	// An answered callback waits for a pause in the arrivals before it is confirmed; here a short one.
	burstHold.quietMs = 20;
});
afterAll(async () => await sim.close());
beforeEach(() => sim.reset());
afterEach(async () => {
	await Promise.all(open.splice(0).map(async (server) => await server.close()));
});

async function receiver(parameters: TriggerReceiverOptions['parameters'] = {}, extra: Partial<TriggerReceiverOptions> = {}): Promise<TriggerReceiver> {
	const started = await startTriggerReceiver({ baseUrl: sim.url, parameters, ...extra });
	open.push(started);
	return started;
}

/** A task that has ended on the simulator without calling back, ready for a forged (or hand-delivered) callback. */
async function endedTask(outcome: 'success' | 'failed', prompt = 'a lighthouse at dusk [sim:ms=600000]'): Promise<string> {
	const taskId = await submitTask(sim.url, prompt);
	sim.completeNow(taskId, outcome);
	return taskId;
}

function sha256(buffer: Buffer): string {
	return createHash('sha256').update(buffer).digest('hex');
}

async function bytesOf(binary: IBinaryData): Promise<Buffer> {
	return await Container.get(BinaryDataService).getAsBuffer(binary);
}

describe('Kling Trigger', () => {
	test("a successful task's callback starts one execution with the task's fields as APIXO reports them", async () => {
		const trigger = await receiver();
		const taskId = await submitTask(sim.url, 'a red fox in snow [sim:ms=200]', trigger.url);
		await sim.waitForCallbacks(1);

		expect(trigger.deliveries.map((delivery) => delivery.status)).toEqual([200]);
		const executions = await trigger.executions();
		expect(executions).toHaveLength(1);
		const [item] = executions[0];
		const task = sim.task(taskId);
		expect(item.json).toMatchObject({
			taskId,
			state: 'success',
			videoUrl: task?.resultUrl,
			resultUrls: [task?.resultUrl],
			createTime: task?.createdAt,
			completeTime: task?.endedAt,
			costTimeMs: (task?.endedAt ?? 0) - (task?.createdAt ?? 0),
			verified: true,
		});
		expect(new Date(item.json.receivedAt as string).toISOString()).toBe(item.json.receivedAt);
		expect(item.binary).toBeUndefined();
		// The API key never shows up in what the workflow gets.
		expect(JSON.stringify(item)).not.toContain('sim-key');
	});

	test("a failed task's callback starts an execution carrying failCode and failMsg", async () => {
		const trigger = await receiver();
		const taskId = await submitTask(sim.url, 'a storm [sim:ms=150] [sim:fail=CONTENT_VIOLATION]', trigger.url);
		await sim.waitForCallbacks(1);

		const executions = await trigger.executions();
		expect(executions).toHaveLength(1);
		expect(executions[0][0].json).toMatchObject({
			taskId,
			state: 'failed',
			failCode: 'CONTENT_VIOLATION',
			failMsg: sim.task(taskId)?.failMsg,
			verified: true,
		});
		expect(executions[0][0].json.videoUrl).toBeUndefined();
	});

	test('with "Successful Tasks Only" a failed task is answered 200 but starts nothing', async () => {
		const trigger = await receiver({ events: 'success' });
		const failed = await submitTask(sim.url, 'a storm [sim:ms=100] [sim:fail=NSFW_DETECTED]', trigger.url);
		const succeeded = await submitTask(sim.url, 'a calm sea [sim:ms=250]', trigger.url);
		await sim.waitForCallbacks(2);

		expect(trigger.deliveries.map((delivery) => [delivery.taskId, delivery.status])).toEqual([
			[failed, 200],
			[succeeded, 200],
		]);
		expect((await trigger.executions()).map((items) => items[0].json.taskId)).toEqual([succeeded]);
		// Answered 200, so APIXO does not retry it.
		expect(sim.stats().callbacks.filter((delivery) => delivery.taskId === failed)).toHaveLength(1);
	});

	test('with a token, only callbacks whose URL carries it start an execution; others get 401', async () => {
		const trigger = await receiver({ token: 'k1ng-s3cret' });
		const taskId = await submitTask(sim.url, 'a paper boat [sim:ms=150]', `${trigger.url}?token=k1ng-s3cret`);
		await sim.waitForCallbacks(1);
		expect(await trigger.executions()).toHaveLength(1);

		const other = await endedTask('success');
		const wrong = await sim.sendCallback(other, { url: `${trigger.url}?token=k1ng-s3creT` });
		const missing = await sim.sendCallback(other, { url: trigger.url });
		const twice = await sim.sendCallback(other, { url: `${trigger.url}?token=k1ng-s3cret&token=x` });
		expect([wrong.status, missing.status, twice.status]).toEqual([401, 401, 401]);
		expect((await trigger.executions()).map((items) => items[0].json.taskId)).toEqual([taskId]);
		// A refused caller learns nothing about the task: the answer names only the token.
		expect(JSON.parse(wrong.body)).toEqual({ error: 'Missing or wrong token' });
	});

	test('a body that is not JSON, or has no data.taskId, is refused with 400 and starts nothing', async () => {
		const trigger = await receiver();
		const post = async (body: string, contentType: string) =>
			await fetch(trigger.url, { method: 'POST', headers: { 'content-type': contentType }, body });

		const plain = await post('task done', 'text/plain');
		const noData = await post(JSON.stringify({ code: 200, message: 'success' }), 'application/json');
		const taskId = await endedTask('success');
		const noTaskId = await sim.sendCallback(taskId, { url: trigger.url, data: { taskId: undefined } });
		const odd = await post(JSON.stringify({ data: { taskId: '../../etc/passwd', state: 'success' } }), 'application/json');

		expect([plain.status, noData.status, noTaskId.status, odd.status]).toEqual([400, 400, 400, 400]);
		expect(await trigger.executions()).toHaveLength(0);
	});

	test('a callback whose task APIXO does not know is answered 200 but starts nothing', async () => {
		const trigger = await receiver();
		const forged = await sim.sendCallback('task_00000000000000000000dead', {
			url: trigger.url,
			data: { state: 'success', resultJson: JSON.stringify({ resultUrls: ['https://example.com/x.mp4'] }) },
		});
		expect(forged.status).toBe(200);
		expect(await trigger.executions()).toHaveLength(0);
		// Unknown is final: one status read, no retries.
		expect(sim.stats().requests.status).toBe(1);
	});

	test('a callback that overtook the status endpoint is read again and starts the workflow once APIXO reports the end', async () => {
		const trigger = await receiver();
		const taskId = await submitTask(sim.url, 'a slow one [sim:ms=600000]');
		// Answered at once, before APIXO has confirmed anything.
		expect((await sim.sendCallback(taskId, { url: trigger.url, data: { state: 'success', completeTime: Date.now() } })).status).toBe(200);
		// The task ends only after the trigger's first read found it running.
		while (sim.stats().requests.status === 0) await new Promise((resolve) => setTimeout(resolve, 5));
		sim.completeNow(taskId, 'success');

		const executions = await trigger.executions();
		expect(executions).toHaveLength(1);
		expect(executions[0][0].json).toMatchObject({ taskId, state: 'success', videoUrl: sim.task(taskId)?.resultUrl, verified: true });
		expect(sim.stats().requests.status).toBeGreaterThan(1);
	});

	test('a callback for a task that stays running starts nothing and is not remembered: the real callback later is', async () => {
		const trigger = await receiver();
		const taskId = await submitTask(sim.url, 'a slow one [sim:ms=600000]');
		const forged = await sim.sendCallback(taskId, { url: trigger.url, data: { state: 'success', completeTime: Date.now() } });
		expect(forged.status).toBe(200);
		expect(await trigger.executions()).toHaveLength(0);
		// Read once, then again after each pause of the schedule.
		expect(sim.stats().requests.status).toBe(verifySchedule.pausesMs.length + 1);

		sim.completeNow(taskId, 'success');
		expect(JSON.parse((await sim.sendCallback(taskId, { url: trigger.url })).body)).toEqual({ received: true });
		expect(await trigger.executions()).toHaveLength(1);
	});

	test('when APIXO cannot be read at first, the callback is still answered 200 at once and the task starts once, verified', async () => {
		const trigger = await receiver();
		// Status reads refused twice (a 401 is not retried by the client): the first attempts cannot confirm.
		sim.injectFault({ endpoint: 'status', status: 401, count: 2 });
		const taskId = await submitTask(sim.url, 'a kite [sim:ms=100]', trigger.url);
		await sim.waitForCallbacks(1);

		const executions = await trigger.executions();
		expect(executions.map((items) => items[0].json)).toMatchObject([{ taskId, state: 'success', verified: true }]);
		expect(executions[0][0].json.verifyError).toBeUndefined();
		// One delivery, answered 200: APIXO has nothing to deliver again.
		expect(sim.stats().callbacks.map((delivery) => delivery.status)).toEqual([200]);
	});

	test('when APIXO cannot be read at all, the task is not lost: it starts unverified with the reason, and nothing is downloaded', async () => {
		const trap = await startTrap();
		open.push(trap);
		const trigger = await receiver({ downloadVideo: true });
		const taskId = await endedTask('success');
		sim.injectFault({ endpoint: 'status', status: 401, count: 100 });
		const delivered = await sim.sendCallback(taskId, {
			url: trigger.url,
			data: { resultJson: JSON.stringify({ resultUrls: [`${trap.url}/maybe-forged.mp4`] }) },
		});
		expect(delivered.status).toBe(200);

		const executions = await trigger.executions();
		expect(executions).toHaveLength(1);
		const [item] = executions[0];
		expect(item.json).toMatchObject({ taskId, state: 'success', verified: false });
		expect(item.json.verifyError).toMatch(/^Could not confirm the task with APIXO: /);
		expect(JSON.stringify(item.json)).not.toContain('sim-key');
		expect(item.binary).toBeUndefined();
		expect(trap.requests).toEqual([]);
	});

	test("a forged callback's state and URL are replaced by what APIXO reports", async () => {
		const trap = await startTrap();
		open.push(trap);
		const trigger = await receiver();
		const failedTask = await endedTask('failed');
		const forged = await sim.sendCallback(failedTask, {
			url: trigger.url,
			data: { state: 'success', resultJson: JSON.stringify({ resultUrls: [`${trap.url}/evil.mp4`] }), failCode: undefined },
		});
		expect(forged.status).toBe(200);
		const [item] = (await trigger.executions())[0];
		expect(item.json).toMatchObject({ taskId: failedTask, state: 'failed', failCode: 'GENERATION_FAILED', verified: true });
		expect(item.json.videoUrl).toBeUndefined();
		expect(trap.requests).toEqual([]);
	});

	test('with Download Video, the video APIXO confirmed is downloaded, never the URL a forged callback names', async () => {
		const trap = await startTrap();
		open.push(trap);
		const trigger = await receiver({ downloadVideo: true, binaryPropertyName: 'video' });
		const taskId = await endedTask('success', 'a waterfall [sim:ms=600000] [sim:size=3000000]');
		const forged = await sim.sendCallback(taskId, {
			url: trigger.url,
			data: { resultJson: JSON.stringify({ resultUrls: [`${trap.url}/evil.mp4`] }) },
		});

		expect(forged.status).toBe(200);
		const [item] = (await trigger.executions())[0];
		expect(item.json.videoUrl).toBe(sim.task(taskId)?.resultUrl);
		const video = item.binary?.video as IBinaryData;
		expect(video).toMatchObject({ fileName: `${taskId}.mp4`, mimeType: 'video/mp4' });
		expect(sha256(await bytesOf(video))).toBe(sim.fileSha256(taskId));
		expect(item.json.downloadError).toBeUndefined();
		expect(trap.requests).toEqual([]);
		// APIXO got its 200 before the download began, not after it ended.
		const [delivery] = trigger.deliveries;
		expect(delivery.answeredAt).toBeLessThan(delivery.returnedAt as number);
	});

	test('a failed download still starts the execution, with the reason in downloadError', async () => {
		const trigger = await receiver({ downloadVideo: true });
		const taskId = await endedTask('success');
		sim.injectFault({ endpoint: 'files', status: 503 });
		expect((await sim.sendCallback(taskId, { url: trigger.url })).status).toBe(200);
		const [item] = (await trigger.executions())[0];
		expect(item.binary).toBeUndefined();
		expect(item.json).toMatchObject({ taskId, state: 'success', videoUrl: sim.task(taskId)?.resultUrl });
		expect(item.json.downloadError).toMatch(new RegExp(`task ${taskId}.*HTTP 503`));
	});

	test('without verification the callback is passed on unconfirmed and nothing is downloaded', async () => {
		const trap = await startTrap();
		open.push(trap);
		const trigger = await receiver({ verifyWithApi: false, downloadVideo: true });
		const taskId = await endedTask('success');
		const statusReadsBefore = sim.stats().requests.status;
		await sim.sendCallback(taskId, {
			url: trigger.url,
			data: { resultJson: JSON.stringify({ resultUrls: [`${trap.url}/evil.mp4`] }) },
		});
		const [item] = (await trigger.executions())[0];
		expect(item.json).toMatchObject({ taskId, state: 'success', videoUrl: `${trap.url}/evil.mp4`, verified: false });
		expect(item.binary).toBeUndefined();
		expect(trap.requests).toEqual([]);
		expect(sim.stats().requests.status).toBe(statusReadsBefore);

		// Nothing to confirm against, so a callback that does not say the task ended is refused.
		const running = await sim.sendCallback(taskId, { url: trigger.url, data: { taskId: 'task_0000000000000000000000aa', state: 'processing' } });
		expect(running.status).toBe(422);
		expect(await trigger.executions()).toHaveLength(1);
	});

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

	test('a burst of callbacks has n8n read the APIXO credential once, not once per callback and request', async () => {
		const trigger = await receiver();
		const taskIds = await Promise.all(Array.from({ length: 30 }, async (_, index) => await endedTask('success', `reel ${index} [sim:ms=600000]`)));
		const before = credentialReads.count;
		await Promise.all(taskIds.map(async (taskId) => await sim.sendCallback(taskId, { url: trigger.url })));
		const executions = await trigger.executions();
		expect(executions.every(([item]) => item.json.verified === true)).toBe(true);
		expect(sim.stats().requests.status).toBeGreaterThanOrEqual(30);
		// One read serves the node's callbacks for CREDENTIAL_SHARE_MS; a slow machine may need a second one.
		expect(credentialReads.count - before).toBeGreaterThanOrEqual(1);
		expect(credentialReads.count - before).toBeLessThanOrEqual(2);
	});

	test('a burst is answered in full before any of its callbacks is confirmed or starts an execution', async () => {
		const trigger = await receiver();
		const taskIds = await Promise.all(Array.from({ length: 20 }, async (_, index) => await endedTask('success', `wave ${index} [sim:ms=600000]`)));
		const quietMs = burstHold.quietMs;
		burstHold.quietMs = 300;
		try {
			// The callbacks arrive one after another, 20 ms apart, as n8n reaches them in a burst.
			const answers: Array<Promise<{ status: number }>> = [];
			for (const taskId of taskIds) {
				answers.push(sim.sendCallback(taskId, { url: trigger.url }));
				await new Promise((resolve) => setTimeout(resolve, 20));
			}
			expect((await Promise.all(answers)).map(({ status }) => status)).toEqual(taskIds.map(() => 200));
			// Every answer is out, and APIXO has not been asked about any task yet.
			expect(sim.stats().requests.status).toBe(0);
		} finally {
			burstHold.quietMs = quietMs;
		}
		const executions = await trigger.executions();
		expect(executions.map(([item]) => item.json.taskId).sort()).toEqual([...taskIds].sort());
		expect(executions.every(([item]) => item.json.verified === true)).toBe(true);
		const lastAnswer = Math.max(...trigger.deliveries.map((delivery) => delivery.answeredAt ?? Infinity));
		const firstStart = Math.min(...trigger.deliveries.map((delivery) => delivery.returnedAt ?? Infinity));
		expect(lastAnswer).toBeLessThan(firstStart);
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
			Restarted = (require('../nodes/KlingTrigger/KlingTrigger.node') as { KlingTrigger: new () => INodeType }).KlingTrigger;
		});
		const afterRestart = await receiver({}, { nodeClass: Restarted, store: first.store });
		expect(JSON.parse((await sim.sendCallback(taskId, { url: afterRestart.url })).body)).toEqual({ received: true, duplicate: true });
		expect(await afterRestart.executions()).toHaveLength(0);

		// Control: had the static data been lost as well, the repeat would have started a second execution.
		const amnesiac = await receiver({}, { nodeClass: Restarted });
		await sim.sendCallback(taskId, { url: amnesiac.url });
		expect(await amnesiac.executions()).toHaveLength(1);
	});

	test('"Listen for test event" (test URL, manual mode) accepts a callback like production does', async () => {
		const trigger = await receiver({ token: 't' }, { mode: 'manual' });
		const taskId = await submitTask(sim.url, 'a test event [sim:ms=100]', `${trigger.url}?token=t`);
		await sim.waitForCallbacks(1);
		expect(await trigger.executions()).toHaveLength(1);
		expect((await trigger.executions())[0][0].json).toMatchObject({ taskId, state: 'success', verified: true });
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

describe('holding confirmations while a burst is answered', () => {
	const real = { ...burstHold };
	let clock: FakeClock;
	beforeEach(() => {
		clock = new FakeClock();
		Object.assign(burstHold, { clock, quietMs: 500, maxHoldMs: 30_000, maxHeld: 200 });
	});
	afterAll(() => Object.assign(burstHold, real));

	async function heldFor(during: (clock: FakeClock) => Promise<void>): Promise<number> {
		let releasedAt: number | undefined;
		callbackArrived();
		const start = clock.now();
		void afterTheBurst().then(() => (releasedAt = clock.now()));
		await during(clock);
		await clock.runUntil(clock.now() + 120_000);
		return (releasedAt ?? Infinity) - start;
	}

	test('a lone callback is held for the quiet time only', async () => {
		expect(await heldFor(async () => {})).toBe(500);
	});

	test('while callbacks keep arriving, it is held until they have paused for the quiet time', async () => {
		const held = await heldFor(async (fake) => {
			for (let arrival = 0; arrival < 10; arrival++) {
				await fake.runUntil(fake.now() + 300);
				callbackArrived();
			}
		});
		expect(held).toBe(10 * 300 + 500);
	});

	test('a stream that never pauses holds it for maxHoldMs at most', async () => {
		const held = await heldFor(async (fake) => {
			for (let arrival = 0; arrival < 200; arrival++) {
				await fake.runUntil(fake.now() + 200);
				callbackArrived();
			}
		});
		expect(held).toBe(30_000);
	});

	test('no more than maxHeld are held at once: one more lets the one held longest go on', async () => {
		burstHold.maxHeld = 3;
		const releasedAt: number[] = [];
		for (let index = 0; index < 5; index++) {
			callbackArrived();
			void afterTheBurst().then(() => (releasedAt[index] = clock.now()));
			await clock.runUntil(clock.now() + 100);
		}
		// The first two went on when the fourth and the fifth arrived; three are held until the arrivals pause.
		expect(releasedAt.slice(0, 2)).toEqual([300, 400]);
		expect(heldNow()).toBe(3);
		await clock.runUntil(clock.now() + 1000);
		expect(releasedAt.slice(2)).toEqual([900, 900, 900]);
		expect(heldNow()).toBe(0);
	});
});
