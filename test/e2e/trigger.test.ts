/**
 * Fire and forget: one workflow submits with a Callback URL and ends; APIXO's callback starts a second
 * workflow through the Kling Trigger. Real callbacks from the simulator, repeated ones, and forged ones.
 */
import { mode, n8n, patiently, Scenario, sim, state, summary, type Execution } from './harness/client';
import { receiverUrl, testWorkflows } from './harness/workflows';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const receiverId = testWorkflows.receiver.workflow.id;

/** Receiver executions whose Kling Trigger emitted `taskId`, looking only at executions not in `seen`. */
async function receiverExecutionsFor(taskId: string, seen: Set<string>): Promise<Execution[]> {
	const found: Execution[] = [];
	for (const { id } of await patiently(async () => await n8n.executionsOf(receiverId))) {
		if (seen.has(id)) continue;
		const execution = await patiently(async () => await n8n.execution(id));
		if (!execution || ['new', 'running'].includes(execution.status)) continue;
		seen.add(id);
		if (n8n.items(execution, 'Kling Trigger')[0]?.json.taskId === taskId) found.push(execution);
	}
	return found;
}

async function waitForReceiver(scenario: Scenario, taskId: string, seen: Set<string>, timeoutMs = 60_000): Promise<Execution> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const [execution] = await receiverExecutionsFor(taskId, seen);
		if (execution) {
			scenario.executionId = execution.id;
			return execution;
		}
		if (Date.now() > deadline) scenario.fail(`no receiver execution for task ${taskId} within ${timeoutMs / 1000} s`);
		await sleep(300);
	}
}

async function alreadySeen(): Promise<Set<string>> {
	return new Set((await patiently(async () => await n8n.executionsOf(receiverId))).map(({ id }) => id));
}

describe(`Kling Trigger in a real n8n (${mode})`, () => {
	test('a submit with the trigger\'s URL as Callback URL starts the receiver once, verified, with the video downloaded', async () => {
		const scenario = new Scenario(`fire and forget to the Kling Trigger (${mode})`);
		const seen = await alreadySeen();
		const submitId = await n8n.run(scenario, 'submit', [{ prompt: '[sim:ms=1500] [sim:size=500000] to the trigger', callbackUrl: receiverUrl(state().webhookUrl) }]);
		const submitted = await n8n.waitFor(scenario, submitId);
		scenario.check(submitted.status === 'success', () => `the submit workflow: ${summary(submitted)}`);
		const [out] = n8n.items(submitted, 'Kling');
		const taskId = String(out?.json.taskId);
		scenario.check(['pending', 'processing'].includes(String(out?.json.state)), () => `Don't Wait output state ${out?.json.state}`);
		const task = await sim.task(taskId);
		scenario.equal({ type: task.request_type, url: task.callback_url }, { type: 'callback', url: receiverUrl(state().webhookUrl) }, 'submitted callback');

		const received = await waitForReceiver(scenario, taskId, seen);
		scenario.check(received.status === 'success', () => `receiver: ${summary(received)}`);
		const [item] = n8n.items(received, 'Kling Trigger');
		const ended = await sim.task(taskId);
		scenario.equal(
			{ state: item.json.state, verified: item.json.verified, videoUrl: item.json.videoUrl },
			{ state: 'success', verified: true, videoUrl: ended.resultUrl },
			'Kling Trigger output',
		);
		scenario.equal(n8n.items(received, 'Hash')[0]?.json.sha256, ended.fileSha256, 'SHA-256 of the downloaded video');
	});

	test('APIXO delivering the same callback three times starts one execution; the repeats are answered 200', async () => {
		const scenario = new Scenario(`duplicate callbacks (${mode})`);
		const seen = await alreadySeen();
		const taskId = await sim.submit('[sim:ms=800] [sim:dup=2] delivered thrice', { request_type: 'callback', callback_url: receiverUrl(state().webhookUrl) });
		await waitForReceiver(scenario, taskId, seen);
		const deliveries = async () => (await sim.stats()).callbacks.filter((delivery) => delivery.taskId === taskId);
		const deadline = Date.now() + 20_000;
		while ((await deliveries()).length < 3 && Date.now() < deadline) await sleep(200);
		await sleep(1000);
		const all = await deliveries();
		scenario.equal(all.map((delivery) => delivery.status), [200, 200, 200], `answers to the ${all.length} deliveries of task ${taskId}`);
		const extra = await receiverExecutionsFor(taskId, seen);
		scenario.equal(extra.map((execution) => execution.id), [], 'further receiver executions for the same task');
	});

	test('forged callbacks: wrong or missing token and non-callbacks refused; an unknown or running task starts nothing; a forged result URL is replaced', async () => {
		const scenario = new Scenario(`forged callbacks (${mode})`);
		const seen = await alreadySeen();
		const taskId = await sim.submit('[sim:ms=600000] [sim:nocallback] [sim:size=300000] forged about');
		const unknownId = 'task_000000000000000000000000';
		const forgedResult = { code: 200, message: 'success', data: { taskId, state: 'success', resultJson: JSON.stringify({ resultUrls: ['https://evil.example/forged.mp4'] }) } };
		const url = receiverUrl(state().webhookUrl);

		const answers = {
			wrongToken: (await n8n.post(receiverUrl(state().webhookUrl, 'not-the-token'), forgedResult)).status,
			noToken: (await n8n.post(receiverUrl(state().webhookUrl, null), forgedResult)).status,
			notJson: (await n8n.post(url, 'not json', { 'content-type': 'text/plain' })).status,
			// Well formed, authorised and new: answered 200 at once, then checked with APIXO.
			unknownTask: (await n8n.post(url, { ...forgedResult, data: { ...forgedResult.data, taskId: unknownId } })).status,
			stillRunning: (await n8n.post(url, forgedResult)).status,
		};
		scenario.equal(answers, { wrongToken: 401, noToken: 401, notJson: 400, unknownTask: 200, stillRunning: 200 }, 'answers to forged callbacks');
		await sleep(3000);
		const started = async () => ({ running: (await receiverExecutionsFor(taskId, new Set(seen))).length, unknown: (await receiverExecutionsFor(unknownId, new Set(seen))).length });
		scenario.equal(await started(), { running: 0, unknown: 0 }, 'receiver executions for a running task and an unknown one');

		// The task ends while the trigger is still confirming the callback: the workflow starts with the API's URL and video.
		await sim.complete(taskId);
		const ended = await sim.task(taskId);
		const received = await waitForReceiver(scenario, taskId, seen);
		scenario.check(received.status === 'success', () => `receiver: ${summary(received)}`);
		const [item] = n8n.items(received, 'Kling Trigger');
		scenario.equal({ videoUrl: item.json.videoUrl, verified: item.json.verified }, { videoUrl: ended.resultUrl, verified: true }, 'output of a forged callback');
		scenario.equal(n8n.items(received, 'Hash')[0]?.json.sha256, ended.fileSha256, 'SHA-256 of the video downloaded (from the API\'s URL)');

		// Delivered again now: a repeat, answered 200, starting nothing more.
		const again = await n8n.post(url, forgedResult);
		scenario.equal({ status: again.status, body: again.body }, { status: 200, body: { received: true, duplicate: true } }, 'a repeat of the accepted callback');
		await sleep(1500);
		scenario.equal((await receiverExecutionsFor(taskId, seen)).length, 0, 'further receiver executions for the same task');
	});
});
