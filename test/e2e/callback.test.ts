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
		// Its own task still reads as running: answered non-200 (APIXO would deliver a real one again), no resume.
		scenario.equal(forged.status, 503, `answer to a forged callback (${JSON.stringify(forged.body)})`);
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

	/** One execution of `key` with these prompts, until it ends; every output item is its own task's, in input order. */
	async function batch(name: string, key: 'callback' | 'callbackShortWait', prompts: string[], timeoutMs = 120_000) {
		const scenario = new Scenario(`${name} (${mode})`);
		const executionId = await n8n.run(scenario, key, prompts.map((prompt) => ({ prompt })));
		const done = await n8n.waitFor(scenario, executionId, undefined, timeoutMs);
		scenario.check(done.status === 'success', () => `expected success, got ${summary(done)}`);
		const items = n8n.items(done, 'Kling');
		scenario.equal(items.length, prompts.length, 'Kling items');
		const tasks = await sim.tasks();
		for (const [index, prompt] of prompts.entries()) {
			const task = scenario.must(
				tasks.find((each) => each.input.prompt === prompt),
				() => `no task submitted with the prompt of item ${index}`,
			);
			scenario.equal(
				{ taskId: items[index]?.json.taskId, state: items[index]?.json.state, videoUrl: items[index]?.json.videoUrl, pairedItem: items[index]?.pairedItem },
				{ taskId: task.taskId, state: 'success', videoUrl: task.resultUrl, pairedItem: { item: index } },
				`item ${index}`,
			);
			scenario.check(task.callback_url?.includes(`/webhook-waiting/${executionId}`), () => `task ${task.taskId} calls back to ${task.callback_url}`);
		}
		return { scenario, executionId, tasks: prompts.map((prompt) => tasks.find((each) => each.input.prompt === prompt) as (typeof tasks)[number]) };
	}

	for (const count of [5, 50]) {
		test(`${count} items resume once, with every video in input order and paired`, async () => {
			const run = Date.now().toString(36);
			// Ends spread as a real batch's are (tasks of 30–60 s submitted within a second end over half a minute):
			// here 5 per second, a load one n8n process resumes with a wide margin.
			const prompts = Array.from({ length: count }, (_, index) => `[sim:ms=${1500 + ((index * 37) % count) * 200}] batch ${run} #${index}`);
			const before = (await sim.stats()).callbacks.length;
			const { scenario, tasks } = await batch(`${count} items`, 'callback', prompts);
			await sleep(1000);
			const deliveries = (await sim.stats()).callbacks.slice(before).filter((delivery) => tasks.some((task) => task.taskId === delivery.taskId));
			const resumed = deliveries.filter((delivery) => delivery.status === 200);
			scenario.check(resumed.length >= count - 2, () => `only ${resumed.length} of ${count} callbacks answered 200: ${JSON.stringify(deliveries.map((d) => d.status))}`);
		});
	}

	test('the last task\'s callback is lost: the callback before it is delivered again and resumes with every video', async () => {
		const run = Date.now().toString(36);
		const prompts = [
			...Array.from({ length: 4 }, (_, index) => `[sim:ms=${1000 + index * 200}] lost-last ${run} #${index}`),
			`[sim:ms=2000] [sim:nocallback] lost-last ${run} #4`,
		];
		const { scenario, tasks } = await batch('lost last callback', 'callbackShortWait', prompts);
		const deliveries = (await sim.stats()).callbacks.filter((delivery) => delivery.taskId === tasks[4].taskId);
		scenario.equal(deliveries.length, 0, 'deliveries of the lost callback');
	});

	test('reading the task back fails six times: the callback is answered non-200 and its redelivery resumes', async () => {
		const scenario = new Scenario(`read-back failing (${mode})`);
		const executionId = await n8n.run(scenario, 'callback', [{ prompt: '[sim:ms=3000] read-back failing' }]);
		await n8n.waitFor(scenario, executionId, ['waiting'], 15_000);
		await sim.faults({ endpoint: 'status', status: 500, count: 6 });
		const done = await n8n.waitFor(scenario, executionId, undefined, 90_000);
		scenario.check(done.status === 'success', () => `expected success, got ${summary(done)}`);
		const [item] = n8n.items(done, 'Kling');
		const task = await sim.task(String(item?.json.taskId));
		scenario.equal({ state: item?.json.state, videoUrl: item?.json.videoUrl }, { state: 'success', videoUrl: task.resultUrl }, 'Kling output');
		const answers = (await sim.stats()).callbacks.filter((delivery) => delivery.taskId === task.taskId).map((delivery) => delivery.status);
		scenario.check(answers[0] !== 200 && answers.includes(200), () => `answers to the callback: ${JSON.stringify(answers)}`);
	});

	test('every item rejected before submit with Continue On Fail: the execution ends at once with the errors, nothing paid', async () => {
		const scenario = new Scenario(`all items invalid (${mode})`);
		const submitsBefore = (await sim.stats()).submitsAccepted;
		const executionId = await n8n.run(scenario, 'callbackContinue', [{ prompt: '' }, { prompt: 'x'.repeat(2501) }]);
		const done = await n8n.waitFor(scenario, executionId, undefined, 30_000);
		scenario.check(done.status === 'success', () => `expected success at once, got ${summary(done)}`);
		const items = n8n.items(done, 'Kling');
		scenario.equal(items.map((each) => /Prompt/.test(String(each.json.error))), [true, true], 'error items naming the Prompt');
		scenario.equal((await sim.stats()).submitsAccepted - submitsBefore, 0, 'tasks submitted');
	});

	test('a callback body without completeTime and createTime still resumes with the API\'s result', async () => {
		const scenario = new Scenario(`callback without times (${mode})`);
		const executionId = await n8n.run(scenario, 'callback', [{ prompt: '[sim:ms=500] [sim:nocallback] no times' }]);
		await n8n.waitFor(scenario, executionId, ['waiting'], 15_000);
		const task = scenario.must(
			(await sim.tasks()).find((each) => each.callback_url?.includes(`/webhook-waiting/${executionId}`)),
			() => 'no task for the execution',
		);
		await sim.ended(task.taskId);
		const answer = await n8n.post(task.callback_url as string, { code: 200, message: 'success', data: { taskId: task.taskId, state: 'success' } });
		scenario.equal(answer.status, 200, 'answer to the callback without times');
		const done = await n8n.waitFor(scenario, executionId, undefined, 60_000);
		const [item] = n8n.items(done, 'Kling');
		scenario.equal({ state: item?.json.state, videoUrl: item?.json.videoUrl }, { state: 'success', videoUrl: (await sim.task(task.taskId)).resultUrl }, 'Kling output');
	});
});
