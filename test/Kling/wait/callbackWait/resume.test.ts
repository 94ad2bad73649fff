import type { IDataObject } from 'n8n-workflow';

import { expireWait, runKling, type KlingNodeSpec, type WebhookCall } from '../../../helpers/engine';
import { jsonOf, prompts, SECRET_KEY, textToVideo } from '../../../helpers/fixtures';
import { pausedRunOn } from '../../../helpers/paused';
import { useSimulator } from '../../../helpers/simulator';

const sim = useSimulator({ apiKeys: [SECRET_KEY], callbackRetryDelaysMs: [100, 200, 400] });
const pausedRun = pausedRunOn(sim);

const callbackSpec = (options: IDataObject = {}): KlingNodeSpec => ({ parameters: textToVideo({ waitMode: 'callback' }, options) });

describe('Wait (Pause Until Callback)', () => {
	test('the execution waits while the task runs, and the callback resumes it with the result', async () => {
		const spec = callbackSpec();
		const paused = await pausedRun(prompts(1, () => '[sim:ms=300]'), spec);
		try {
			expect(paused.waiting.run.status).toBe('waiting');
			const [task] = sim.tasks();
			expect(task.request_type).toBe('callback');
			expect(task.callback_url).toBe(`${paused.api.webhookWaitingBaseUrl}/${paused.waiting.executionId}?signature=token-${paused.waiting.executionId}`);
			const call = await paused.resumed;
			expect(call.resumed?.run.status).toBe('success');
			expect(jsonOf(call.resumed?.output() ?? [])).toEqual([
				expect.objectContaining({ taskId: task.taskId, state: 'success', videoUrl: `${sim.url}/files/${task.taskId}.mp4` }),
			]);
		} finally {
			await paused.close();
		}
	});

	test('the callback that resumes is answered once the output is ready, by n8n as it starts the resume, so a crash before then leaves a callback APIXO delivers again', async () => {
		const spec = callbackSpec();
		const paused = await pausedRun(prompts(2, () => '[sim:ms=300]'), spec);
		try {
			const call = await paused.resumed;
			expect(call.resumed?.run.status).toBe('success');
			expect(call).toMatchObject({ status: 200, body: { received: true, resumed: true }, answeredByNode: false });
			// The callback that resumed nothing (the first task's) is answered by the node itself, as before.
			expect(paused.calls.filter((other) => !other.resumed).every((other) => other.answeredByNode)).toBe(true);
		} finally {
			await paused.close();
		}
	});

	test('20 items resume once, when the last task ends, in input order and paired', async () => {
		const spec = callbackSpec();
		const items = prompts(20, (index) => `[sim:ms=${200 + ((index * 7) % 20) * 30}]`);
		const paused = await pausedRun(items, spec);
		try {
			const call = await paused.resumed;
			const output = call.resumed?.output() ?? [];
			expect(output).toHaveLength(20);
			output.forEach((item, index) => {
				expect(item.pairedItem).toEqual({ item: index });
				expect(item.json.state).toBe('success');
				expect(sim.task(item.json.taskId as string)?.input.prompt).toBe(items[index].prompt);
			});
			const lastEnded = Math.max(...sim.tasks().map((task) => task.endedAt ?? Infinity));
			const resumedAt = (paused.calls.find((entry) => entry.resumed) as WebhookCall & { at: number }).at;
			expect(resumedAt).toBeGreaterThanOrEqual(lastEnded);
			// Callbacks before the last one leave the execution waiting: answered 200, except the one of the task
			// that ended last but one, kept (non-200) in case the last callback is lost.
			const byEnd = [...sim.tasks()].sort((a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0));
			const waitingAnswers = paused.calls.filter((entry) => !entry.resumed);
			const deferred = waitingAnswers.filter((entry) => entry.status !== 200);
			expect(deferred.every((entry) => entry.status === 503)).toBe(true);
			expect(new Set(deferred.map((entry) => entry.taskId))).toEqual(new Set(deferred.length ? [byEnd[18].taskId] : []));
		} finally {
			await paused.close();
		}
	});

	test('30 tasks ending together cost a few status reads each, not one read of every task per callback', async () => {
		const spec = callbackSpec();
		const paused = await pausedRun(prompts(30, () => '[sim:ms=300]'), spec);
		try {
			const call = await paused.resumed;
			expect(call.resumed?.output().map((item) => item.json.state)).toEqual(Array(30).fill('success'));
			await sim.waitForCallbacks(30, 5000);
			await new Promise((resolve) => setTimeout(resolve, 300));
			const perVideo = sim.stats().requests.status / 30;
			// At most two reads per acknowledged callback (fewer when callbacks share a read under way), one read-back
			// of every task by the resuming callback, a few more for the deferred one: never one read of every task
			// per callback (that would be 15 per video here).
			expect(perVideo).toBeLessThan(3.5);
		} finally {
			await paused.close();
		}
	});

	test('tasks that end one after another are each read once: a video costs its submit and one status read', async () => {
		const spec = callbackSpec();
		// 20 tasks ending 150 ms apart, each callback arriving after its task ended: the order APIXO's real batches
		// end in (spread over 30–45 s), ten times denser.
		const paused = await pausedRun(prompts(20, (index) => `[sim:ms=${400 + index * 150}]`), spec);
		try {
			const call = await paused.resumed;
			expect(call.resumed?.output().map((item) => item.json.state)).toEqual(Array(20).fill('success'));
			await sim.waitForCallbacks(20, 20_000);
			await new Promise((resolve) => setTimeout(resolve, 500));
			const { requests } = sim.stats();
			expect(requests.generate).toBe(20);
			// The proof that two tasks end later comes from the callbacks of the tasks that end next (each reads its
			// own task, and the callbacks this process serves share what they read): no read spent on proof alone,
			// but for the tail (the task that ended last but one, whose callback may take over) and callbacks that a
			// busy machine delivers out of order. Reading running tasks as proof, two per callback, made 66 here.
			expect(requests.status).toBeLessThanOrEqual(30);
			expect((requests.generate + requests.status + requests.balance) / 20).toBeLessThanOrEqual(3);
		} finally {
			await paused.close();
		}
	});

	test('a callback for a task that is not this execution’s is refused without resuming', async () => {
		const spec = callbackSpec();
		const paused = await pausedRun(prompts(1, () => '[sim:ms=60000] [sim:nocallback]'), spec);
		try {
			const foreign = await runKling({ baseUrl: sim.url, apiKey: SECRET_KEY }, prompts(1, () => '[sim:ms=50]'), { parameters: textToVideo() });
			const foreignTaskId = foreign.output()[0].json.taskId as string;
			await new Promise((resolve) => setTimeout(resolve, 150));
			const delivery = await sim.sendCallback(foreignTaskId, { url: `${paused.api.webhookWaitingBaseUrl}/${paused.waiting.executionId}` });
			expect(delivery.status).toBe(404);
			expect(paused.calls.some((entry) => entry.resumed)).toBe(false);
		} finally {
			await paused.close();
		}
	});

	test('a repeated callback is not counted twice: the execution resumes only when every task has ended', async () => {
		const spec = callbackSpec();
		const paused = await pausedRun([{ prompt: 'fast [sim:ms=100] [sim:dup=3]' }, { prompt: 'slow [sim:ms=1500]' }], spec);
		try {
			const fast = sim.tasks().find((task) => task.input.prompt.startsWith('fast'));
			await sim.waitForCallbacks(2, 3000); // the fast task's callback and at least one repeat
			expect(sim.stats().callbacks.filter((entry) => entry.taskId === fast?.taskId).length).toBeGreaterThanOrEqual(2);
			expect(paused.calls.some((entry) => entry.resumed)).toBe(false);
			const call = await paused.resumed;
			expect(call.resumed?.output().map((item) => item.json.state)).toEqual(['success', 'success']);
			expect(paused.calls.filter((entry) => entry.resumed)).toHaveLength(1);
		} finally {
			await paused.close();
		}
	});

	test('a forged callback cannot inject a result: the output is what the API says', async () => {
		const spec = callbackSpec();
		const paused = await pausedRun(prompts(1, () => '[sim:ms=400] [sim:nocallback]'), spec);
		try {
			const [task] = sim.tasks();
			const target = `${paused.api.webhookWaitingBaseUrl}/${paused.waiting.executionId}`;
			// While the task still runs, a forged "success" does not resume the execution.
			const early = await sim.sendCallback(task.taskId, {
				url: target,
				data: { state: 'success', resultJson: JSON.stringify({ resultUrls: ['https://evil.example.com/x.mp4'] }) },
			});
			// Deferred (non-200), so that APIXO's real callback for the task is not the one swallowed.
			expect(early.status).toBe(503);
			expect(paused.calls.some((entry) => entry.resumed)).toBe(false);
			await new Promise((resolve) => setTimeout(resolve, 500));
			// Once it has ended, even a forged body resumes with the API's own result.
			await sim.sendCallback(task.taskId, {
				url: target,
				data: { state: 'success', resultJson: JSON.stringify({ resultUrls: ['https://evil.example.com/x.mp4'] }) },
			});
			const call = await paused.resumed;
			expect(call.resumed?.output()[0].json.videoUrl).toBe(`${sim.url}/files/${task.taskId}.mp4`);
		} finally {
			await paused.close();
		}
	});

	test('a failed task resumes as an error item when the node continues on fail', async () => {
		const spec: KlingNodeSpec = { ...callbackSpec(), onError: 'continueRegularOutput' };
		const paused = await pausedRun([{ prompt: 'ok [sim:ms=100]' }, { prompt: 'bad [sim:ms=200] [sim:fail=CONTENT_VIOLATION]' }], spec);
		try {
			const call = await paused.resumed;
			const [ok, bad] = jsonOf(call.resumed?.output() ?? []);
			expect(ok.state).toBe('success');
			expect(bad).toMatchObject({ state: 'failed', failCode: 'CONTENT_VIOLATION', error: expect.stringMatching(/^Kling task task_\w+ failed: CONTENT_VIOLATION/) });
		} finally {
			await paused.close();
		}
	});

	test('with the error output on, a failed task resumes onto the error output', async () => {
		const spec: KlingNodeSpec = { ...callbackSpec(), onError: 'continueErrorOutput' };
		const paused = await pausedRun([{ prompt: 'ok [sim:ms=100]' }, { prompt: 'bad [sim:ms=200] [sim:fail=NSFW_DETECTED]' }], spec);
		try {
			const call = await paused.resumed;
			expect(call.resumed?.output().map((item) => item.json.state)).toEqual(['success']);
			const [failed] = call.resumed?.errorOutput() ?? [];
			expect(failed.json.error).toMatch(/^Kling task task_\w+ failed: NSFW_DETECTED/);
			expect(failed.json.details).toMatchObject({ state: 'failed', failCode: 'NSFW_DETECTED' });
			expect(failed.pairedItem).toEqual({ item: 1 });
		} finally {
			await paused.close();
		}
	});

	test('without Continue On Fail a failed task still resumes as an item that says it failed', async () => {
		const spec = callbackSpec();
		const paused = await pausedRun([{ prompt: 'bad [sim:ms=100] [sim:fail=IMAGE_TOO_LARGE]' }], spec);
		try {
			const call = await paused.resumed;
			expect(call.resumed?.output()[0].json).toMatchObject({ state: 'failed', failCode: 'IMAGE_TOO_LARGE', error: expect.stringContaining('failed: IMAGE_TOO_LARGE') });
		} finally {
			await paused.close();
		}
	});

	test('if the wait limit passes first, each item says so with its task ID and never looks like success', async () => {
		const spec = callbackSpec({ timeout: 0.5 });
		const paused = await pausedRun(prompts(2, () => '[sim:ms=60000] [sim:nocallback]'), spec);
		try {
			const expired = await expireWait(paused.waiting, { baseUrl: sim.url, apiKey: SECRET_KEY }, spec);
			const output = jsonOf(expired.output());
			const taskIds = sim.tasks().map((task) => task.taskId);
			expect(output.map((item) => item.taskId).sort()).toEqual([...taskIds].sort());
			for (const item of output) {
				expect(item).toMatchObject({ state: 'pending', waitExpired: true, error: expect.stringContaining(String(item.taskId)) });
				expect(item).not.toHaveProperty('videoUrl');
			}
		} finally {
			await paused.close();
		}
	});

	test('the callback of the task that ends last is lost: the one before it is delivered again and resumes with every video', async () => {
		// The wait limit (0.02 min) sets the take-over time to a quarter of it (0.3 s): well inside the redeliveries.
		const spec = callbackSpec({ timeout: 0.02 });
		const items = [...prompts(4, (index) => `[sim:ms=${100 + index * 60}]`), { prompt: 'last [sim:ms=450] [sim:nocallback]' }];
		const paused = await pausedRun(items, spec);
		try {
			const call = await paused.resumed;
			const output = jsonOf(call.resumed?.output() ?? []);
			expect(output.map((item) => item.state)).toEqual(Array(5).fill('success'));
			const last = sim.tasks().find((task) => task.input.prompt.startsWith('last'));
			expect(output[4]).toMatchObject({ taskId: last?.taskId, videoUrl: `${sim.url}/files/${last?.taskId}.mp4` });
			const resumer = paused.calls.find((entry) => entry.resumed);
			expect(resumer?.taskId).toBe(sim.tasks().find((task) => task.input.prompt.startsWith('Video 3'))?.taskId);
			expect(sim.stats().callbacks.filter((entry) => entry.taskId === last?.taskId)).toHaveLength(0);
		} finally {
			await paused.close();
		}
	});

	test('when reading the tasks back fails six times, the callback is deferred and its redelivery resumes', async () => {
		const spec = callbackSpec();
		const paused = await pausedRun(prompts(1, () => '[sim:ms=150]'), spec);
		try {
			sim.injectFault({ endpoint: 'status', status: 500, count: 6 });
			const call = await paused.resumed;
			expect(jsonOf(call.resumed?.output() ?? [])).toEqual([expect.objectContaining({ state: 'success' })]);
			const answers = paused.calls.map((entry) => entry.status);
			expect(answers[0]).toBe(503);
			expect(answers.at(-1)).toBe(200);
			// APIXO's side: the first delivery answered non-200, a redelivery answered 200.
			const deliveries = await sim.waitForCallbacks(2, 5000);
			expect(deliveries.map((delivery) => delivery.status)).toEqual([503, 200]);
		} finally {
			await paused.close();
		}
	});

	test('every item rejected before submit with Continue On Fail: the node does not pause and outputs the errors at once', async () => {
		const spec: KlingNodeSpec = { ...callbackSpec(), onError: 'continueRegularOutput' };
		const run = await runKling(
			{ baseUrl: sim.url, apiKey: SECRET_KEY, webhookWaitingBaseUrl: 'http://127.0.0.1:5678/webhook-waiting' },
			[{ prompt: '' }, { prompt: 'x'.repeat(2501) }],
			spec,
		);
		expect(run.run.status).toBe('success');
		expect(jsonOf(run.output()).map((item) => item.error)).toEqual([expect.stringMatching(/Prompt/), expect.stringMatching(/Prompt/)]);
		expect(sim.stats().requests.generate).toBe(0);
	});

	test('callback bodies without completeTime or createTime, or with them as strings, still resume with the API\'s result', async () => {
		const spec = callbackSpec();
		const paused = await pausedRun(prompts(3, (index) => `[sim:ms=${100 + index * 50}] [sim:nocallback]`), spec);
		try {
			await new Promise((resolve) => setTimeout(resolve, 400));
			const target = `${paused.api.webhookWaitingBaseUrl}/${paused.waiting.executionId}`;
			const [first, second, third] = sim.tasks();
			const answers = [
				await sim.sendCallback(first.taskId, { url: target, data: { createTime: undefined, completeTime: undefined } }),
				await sim.sendCallback(second.taskId, { url: target, data: { createTime: '1700000000000', completeTime: '1700000001000' } }),
				await sim.sendCallback(third.taskId, { url: target, data: { completeTime: 'not a time' } }),
			];
			expect(answers.map((answer) => answer.status)).toEqual([expect.any(Number), expect.any(Number), 200]);
			const call = await paused.resumed;
			expect(jsonOf(call.resumed?.output() ?? []).map((item) => item.videoUrl)).toEqual(
				[first, second, third].map((task) => `${sim.url}/files/${task.taskId}.mp4`),
			);
		} finally {
			await paused.close();
		}
	});

	test('a batch too large to submit before the first callbacks come back is polled instead of paused', async () => {
		// 3 tasks at 2 requests per minute take 90 s to submit: the first task's callbacks would all be refused.
		const controller = new AbortController();
		const running = runKling(
			{ baseUrl: sim.url, apiKey: SECRET_KEY, webhookWaitingBaseUrl: 'http://127.0.0.1:5678/webhook-waiting' },
			prompts(3, () => '[sim:ms=100]'),
			callbackSpec({ requestsPerMinute: 2 }),
			controller,
		);
		for (let waited = 0; sim.tasks().length === 0 && waited < 5000; waited += 50) {
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
		controller.abort();
		await running.catch(() => undefined);
		const [first] = sim.tasks();
		expect(first.request_type).toBe('async');
		expect(first.callback_url).toBeUndefined();
	});

	test('when APIXO cannot reach this n8n the node polls instead and says so in a hint', async () => {
		const spec = callbackSpec();
		// A public API base with a private resume URL: the submit would call back into the void.
		const run = await runKling(
			{
				baseUrl: 'https://api.apixo.ai',
				hostAliases: { 'api.apixo.ai': sim.url },
				apiKey: SECRET_KEY,
				webhookWaitingBaseUrl: 'http://192.168.1.20:5678/webhook-waiting',
			},
			prompts(1, () => '[sim:ms=200]'),
			spec,
		);
		expect(run.run.status).toBe('success');
		expect(run.output()[0].json.state).toBe('success');
		expect(sim.tasks()[0].request_type).toBe('async');
		const hints = run.run.data.resultData.runData.Kling[0].hints ?? [];
		expect(hints.map((hint) => hint.message).join(' ')).toMatch(/APIXO cannot reach this n8n/);
	});
});
