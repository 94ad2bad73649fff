import type { IDataObject } from 'n8n-workflow';

import { credentialReads, runKling } from '../../../helpers/engine';
import { errorOf, jsonOf, prompts, SECRET_KEY, textToVideo } from '../../../helpers/fixtures';
import { apiOf, useSimulator } from '../../../helpers/simulator';

const sim = useSimulator({ apiKeys: [SECRET_KEY] });
const api = apiOf(sim);
const poll = (options: IDataObject = {}, extra: IDataObject = {}) => textToVideo({ waitMode: 'poll', ...extra }, options);

describe('Wait (Poll)', () => {
	test('one item ends with the video URL', async () => {
		const run = await runKling(api(), prompts(1, () => '[sim:ms=300]'), { parameters: poll() });
		const [item] = jsonOf(run.output());
		expect(item).toMatchObject({ state: 'success', videoUrl: `${sim.url}/files/${String(item.taskId)}.mp4` });
	});

	test('a run has n8n read the APIXO credential once, however many requests it makes', async () => {
		const before = credentialReads.count;
		const run = await runKling(api(), prompts(3, () => '[sim:ms=600]'), { parameters: poll() });
		expect(jsonOf(run.output()).map((item) => item.state)).toEqual(['success', 'success', 'success']);
		const { generate, status } = sim.stats().requests;
		expect(generate + status).toBeGreaterThan(3);
		expect(credentialReads.count - before).toBe(1);
	});

	test('100 items with different generation times take about the slowest, not the sum', async () => {
		const durations = Array.from({ length: 100 }, (_, index) => 200 + index * 10); // 0.2 s … 1.19 s, 69.5 s in all
		const started = Date.now();
		const run = await runKling(api(), prompts(100, (index) => `[sim:ms=${durations[index]}]`), { parameters: poll({ concurrency: 20 }) });
		const elapsed = Date.now() - started;
		const output = run.output();
		expect(output.every((item) => item.json.state === 'success')).toBe(true);
		output.forEach((item, index) => expect(item.pairedItem).toEqual({ item: index }));
		expect(elapsed).toBeLessThan(10_000);
	});

	test('a task failing mid-batch stops the node with its task ID, and every other task is listed', async () => {
		const run = await runKling(api(), prompts(5, (index) => (index === 2 ? '[sim:ms=200] [sim:fail=GENERATION_FAILED]' : '[sim:ms=200]')), {
			parameters: poll(),
		});
		const failed = sim.tasks().find((task) => task.plan.outcome === 'failed');
		const { message, description } = errorOf(run);
		expect(message).toMatch(new RegExp(`Kling task ${failed?.taskId} failed: GENERATION_FAILED`));
		for (const task of sim.tasks()) expect(description).toContain(task.taskId);
	});

	test('with Continue On Fail the failed task is an error item and the others succeed', async () => {
		const run = await runKling(api(), prompts(5, (index) => (index === 2 ? '[sim:ms=200] [sim:fail=GENERATION_FAILED]' : '[sim:ms=200]')), {
			parameters: poll(),
			onError: 'continueRegularOutput',
		});
		const output = jsonOf(run.output());
		expect(output.map((item) => item.state)).toEqual(['success', 'success', 'failed', 'success', 'success']);
		expect(output[2]).toMatchObject({ failCode: 'GENERATION_FAILED', error: expect.stringContaining(String(output[2].taskId)) });
	});

	test('with the error output on, the failed task goes to the error output', async () => {
		const run = await runKling(api(), prompts(3, (index) => (index === 1 ? '[sim:ms=100] [sim:fail=NSFW_DETECTED]' : '[sim:ms=100]')), {
			parameters: poll(),
			onError: 'continueErrorOutput',
		});
		expect(run.output().map((item) => item.json.state)).toEqual(['success', 'success']);
		expect(run.errorOutput().map((item) => (item.json.details as { failCode?: string }).failCode)).toEqual(['NSFW_DETECTED']);
		expect(run.errorOutput()[0].json.error).toMatch(/^Kling task task_\w+ failed: NSFW_DETECTED/);
		expect(run.errorOutput()[0].pairedItem).toEqual({ item: 1 });
	});

	test('a timeout is an error naming every task still running and its last state', async () => {
		const run = await runKling(api(), prompts(3, (index) => (index === 0 ? '[sim:ms=100]' : '[sim:ms=60000]')), {
			parameters: poll({ timeout: 0.02 }),
		});
		const running = sim.tasks().filter((task) => task.plan.durationMs === 60000);
		const { message } = errorOf(run);
		expect(message).toMatch(/^Timed out with 2 tasks still running/);
		// A 60 s task spends its first 12 s pending.
		for (const task of running) expect(message).toContain(`${task.taskId} (pending)`);
	});

	test('with Continue On Fail a timeout gives an error item per running task, and finished ones succeed', async () => {
		const run = await runKling(api(), prompts(2, (index) => (index === 0 ? '[sim:ms=100]' : '[sim:ms=60000]')), {
			parameters: poll({ timeout: 0.02 }),
			onError: 'continueRegularOutput',
		});
		const [done, late] = jsonOf(run.output());
		expect(done.state).toBe('success');
		expect(late).toMatchObject({ timedOut: true, state: 'pending', error: expect.stringContaining(String(late.taskId)) });
	});

	test('cancelling the execution stops the wait promptly', async () => {
		const controller = new AbortController();
		const started = Date.now();
		const running = runKling(api(), prompts(3, () => '[sim:ms=60000]'), { parameters: poll() }, controller);
		await new Promise((resolve) => setTimeout(resolve, 500));
		controller.abort();
		await running.catch(() => undefined);
		expect(Date.now() - started).toBeLessThan(3000);
		// A request already on the wire when the execution was cancelled may still land; after that, silence.
		await new Promise((resolve) => setTimeout(resolve, 200));
		const settled = sim.stats().requests.status;
		await new Promise((resolve) => setTimeout(resolve, 1000)); // a loop still polling every 0.05 s would send ~20
		expect(sim.stats().requests.status).toBe(settled);
	});

	test('a storm of 429s on status checks is ridden out', async () => {
		sim.injectFault({ endpoint: 'status', status: 429, retryAfter: 0, count: 30 });
		const run = await runKling(api(), prompts(10, () => '[sim:ms=300]'), { parameters: poll() });
		expect(run.output().map((item) => item.json.state)).toEqual(Array(10).fill('success'));
		expect(sim.stats().rateLimited).toBe(30);
	});
});
