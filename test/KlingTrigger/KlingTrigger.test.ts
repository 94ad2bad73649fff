import { createHash } from 'crypto';
import { Container } from '@n8n/di';
import { BinaryDataService } from 'n8n-core';
import type { IBinaryData } from 'n8n-workflow';

import { burstHold } from '../../nodes/KlingTrigger/burst';
import { startTrap, submitTask, useTriggerTestbed } from '../helpers/trigger';

const { sim, receiver, endedTask, open } = useTriggerTestbed();

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

	test('with Download Video, the video APIXO confirmed is downloaded, never the URL a forged callback names', async () => {
		const trap = await startTrap();
		open.push(trap);
		const trigger = await receiver({ downloadVideo: true, binaryPropertyName: 'video' });
		const taskId = await endedTask('success', 'a waterfall [sim:ms=600000] [sim:size=3000000]');
		// Alone, not part of the previous test's callbacks: a pause longer than the trigger's burst window.
		await new Promise((resolve) => setTimeout(resolve, burstHold.quietMs * 3));
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
		// A callback that came alone gets its 200 only once its run is handed to n8n, download included: a process
		// that dies while downloading leaves a callback APIXO delivers again.
		const [delivery] = trigger.deliveries;
		expect(delivery.answeredAt).toBeGreaterThanOrEqual(delivery.returnedAt as number);
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

	test('"Listen for test event" (test URL, manual mode) accepts a callback like production does', async () => {
		const trigger = await receiver({ token: 't' }, { mode: 'manual' });
		const taskId = await submitTask(sim.url, 'a test event [sim:ms=100]', `${trigger.url}?token=t`);
		await sim.waitForCallbacks(1);
		expect(await trigger.executions()).toHaveLength(1);
		expect((await trigger.executions())[0][0].json).toMatchObject({ taskId, state: 'success', verified: true });
	});
});
