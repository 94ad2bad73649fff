/**
 * Wait (Pause Until Callback) in a real n8n: the execution is stored as waiting while APIXO works, APIXO's
 * callback to the resume URL finishes it. In queue mode the submit runs on the worker, the callback reaches the
 * webhook process, and the rest of the execution runs on the worker again.
 */
import { mode, n8n, Scenario, sim, state, summary } from './harness/client';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe(`Wait (Pause Until Callback) in a real n8n (${mode})`, () => {
	test('the execution waits while the task runs, refuses foreign and forged callbacks, and ends with the API\'s result', async () => {
		const scenario = new Scenario(`callback (${mode})`);
		const executionId = await n8n.run(scenario, 'callback', [{ prompt: '[sim:ms=5000] waiting for the callback' }]);
		const waiting = await n8n.waitFor(scenario, executionId, ['waiting'], 15_000);
		scenario.check(waiting.waitTill, () => `a waiting execution without waitTill: ${summary(waiting)}`);

		const task = scenario.must(
			(await sim.tasks()).find((each) => each.callback_url?.includes(`/webhook-waiting/${executionId}`)),
			() => `no task in the simulator with a callback URL to /webhook-waiting/${executionId}`,
		);
		scenario.equal(task.request_type, 'callback', 'request_type submitted');
		scenario.check(task.callback_url?.startsWith(`${state().webhookUrl}webhook-waiting/`), () => `callback_url ${task.callback_url} is not under ${state().webhookUrl}`);
		scenario.check(task.state !== 'success' && task.state !== 'failed', () => `task ${task.taskId} already ${task.state}: the wait was not observed while it ran`);

		// Unsigned callbacks: one for another task is refused; a forged "success" for this one does not resume.
		const foreign = await n8n.post(task.callback_url as string, { code: 200, data: { taskId: 'task_not_this_one', state: 'success' } });
		scenario.equal(foreign.status, 404, 'answer to a callback of a foreign task');
		const forged = await n8n.post(task.callback_url as string, {
			code: 200,
			data: { taskId: task.taskId, state: 'success', resultJson: JSON.stringify({ resultUrls: ['https://evil.example/forged.mp4'] }) },
		});
		scenario.equal(forged.status, 200, `answer to a forged callback (${JSON.stringify(forged.body)})`);
		await sleep(500);
		const still = await n8n.execution(executionId);
		scenario.equal(still?.status, 'waiting', 'status after the forged callback');

		const done = await n8n.waitFor(scenario, executionId, undefined, 60_000);
		scenario.check(done.status === 'success', () => `expected success after the callback, got ${summary(done)}`);
		const ended = await sim.task(task.taskId);
		const [item] = n8n.items(done, 'Kling');
		scenario.equal(
			{ taskId: item?.json.taskId, state: item?.json.state, videoUrl: item?.json.videoUrl },
			{ taskId: task.taskId, state: 'success', videoUrl: ended.resultUrl },
			'Kling output',
		);
		const deliveries = (await sim.stats()).callbacks.filter((delivery) => delivery.taskId === task.taskId && delivery.attempt > 0);
		scenario.check(deliveries.some((delivery) => delivery.status === 200), () => `APIXO's callback was not answered 200: ${JSON.stringify(deliveries)}`);
	});

	test('with Download Video the resumed execution carries the MP4 byte for byte', async () => {
		const scenario = new Scenario(`callback download (${mode})`);
		const size = 2_000_000;
		const executionId = await n8n.run(scenario, 'callbackDownload', [{ prompt: `[sim:ms=1500] [sim:size=${size}] resumed download` }]);
		const done = await n8n.waitFor(scenario, executionId, undefined, 60_000);
		scenario.check(done.status === 'success', () => `expected success, got ${summary(done)}`);
		const [hashed] = n8n.items(done, 'Hash');
		const task = await sim.task(String(hashed?.json.taskId));
		scenario.equal(hashed.json.sha256, task.fileSha256, `SHA-256 of the video of task ${task.taskId}`);
	});
});
