import { burstHold } from '../../nodes/KlingTrigger/burst';
import { verifySchedule } from '../../nodes/KlingTrigger/verification';
import { startTrap, submitTask, useTriggerTestbed } from '../helpers/trigger';

const { sim, receiver, endedTask, open } = useTriggerTestbed();

describe('Kling Trigger', () => {
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
		const delivered = sim.sendCallback(taskId, { url: trigger.url, data: { state: 'success', completeTime: Date.now() } });
		// The task ends only after the trigger's first read found it running.
		while (sim.stats().requests.status === 0) await new Promise((resolve) => setTimeout(resolve, 5));
		sim.completeNow(taskId, 'success');
		// A callback that came alone is answered once it is confirmed and its run has started.
		expect((await delivered).status).toBe(200);

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

	test('a callback that cannot be confirmed quickly is still answered 200 within the answer limit, long before its run starts', async () => {
		const trigger = await receiver();
		const taskId = await endedTask('success');
		sim.injectFault({ endpoint: 'status', status: 401, count: 100 });
		const answerByMs = burstHold.answerByMs;
		burstHold.answerByMs = 100;
		try {
			expect((await sim.sendCallback(taskId, { url: trigger.url })).status).toBe(200);
			expect(await trigger.executions()).toHaveLength(1);
		} finally {
			burstHold.answerByMs = answerByMs;
		}
		const [delivery] = trigger.deliveries;
		// Confirming takes every attempt of the schedule (0.4 s here); APIXO had its answer after 0.1 s.
		expect(delivery.answeredAt as number).toBeLessThan((delivery.returnedAt as number) - 200);
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
});
