/**
 * A retry never pays twice: Generate Video remembers the tasks it paid for and has not delivered, and a later
 * run of the same node with the same request picks them up. Runs go through n8n-core's WorkflowExecute against
 * the simulator; two runs of "one saved workflow" share its id and static data object, as n8n keeps both.
 */
import type { IDataObject } from 'n8n-workflow';

import { runKling, type KlingNodeSpec } from '../../helpers/engine';
import { errorOf, jsonOf, SECRET_KEY, textToVideo } from '../../helpers/fixtures';
import { apiOf, useSimulator } from '../../helpers/simulator';

const sim = useSimulator({ apiKeys: [SECRET_KEY, 'sk-other-key'], balance: 1_000 });
const api = apiOf(sim);

const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));
let workflows = 0;
/** One saved workflow: every run of it sees the static data n8n saved after the previous one. */
function savedWorkflow(): { id: string; staticData: IDataObject } {
	return { id: `saved-${++workflows}`, staticData: {} };
}

/** Wait (Poll), first check after 50 ms; `timeout` in minutes (0.01 = 0.6 s, the least). */
function poll(workflow: KlingNodeSpec['workflow'], options: IDataObject = {}, extra: Partial<KlingNodeSpec> = {}): KlingNodeSpec {
	return { parameters: textToVideo({ waitMode: 'poll' }, options), workflow, ...extra };
}

describe('a retry never pays twice', () => {
	test('a run that timed out, run again (as n8n\'s Retry does): no new submit, the video comes out marked reused', async () => {
		const workflow = savedWorkflow();
		const prompt = '[sim:ms=1500] a fox in the snow';
		const first = await runKling(api(), [{ prompt }], poll(workflow, { timeout: 0.01 }));
		expect(errorOf(first).message).toMatch(/^Timed out/);
		const [task] = sim.tasks();
		await sleep(1200);

		// Another process: its memory knows nothing of this workflow, only the saved static data does.
		const again = await runKling(api(), [{ prompt }], poll({ id: `${workflow.id}-elsewhere`, staticData: workflow.staticData }));
		expect(jsonOf(again.output())).toEqual([
			expect.objectContaining({ taskId: task.taskId, state: 'success', videoUrl: `${sim.url}/files/${task.taskId}.mp4`, reused: true }),
		]);
		expect(sim.stats().submitsAccepted).toBe(1);
	});

	test('the same prompt run twice successfully makes two videos', async () => {
		const workflow = savedWorkflow();
		const prompt = '[sim:ms=100] the same prompt on purpose';
		const first = jsonOf((await runKling(api(), [{ prompt }], poll(workflow))).output());
		const second = jsonOf((await runKling(api(), [{ prompt }], poll(workflow))).output());
		expect(sim.stats().submitsAccepted).toBe(2);
		expect(second[0].taskId).not.toBe(first[0].taskId);
		expect(second[0]).not.toHaveProperty('reused');
	});

	test('20 items, Continue On Fail, 5 videos out and 15 timed out: run again, 15 reused and 5 new', async () => {
		const workflow = savedWorkflow();
		// The 5 quick tasks end well within the 3 s wait; the 15 others only when the test ends them.
		const items = Array.from({ length: 20 }, (_, index) => ({ prompt: `[sim:ms=${index < 5 ? 100 : 600_000}] item ${index}` }));
		const first = await runKling(api(), items, { ...poll(workflow, { timeout: 0.05 }), onError: 'continueRegularOutput' });
		const firstOut = jsonOf(first.output());
		expect(firstOut.filter((item) => item.state === 'success')).toHaveLength(5);
		expect(firstOut.filter((item) => item.timedOut === true)).toHaveLength(15);
		for (const item of firstOut.slice(5)) sim.completeNow(String(item.taskId));

		const again = jsonOf((await runKling(api(), items, { ...poll(workflow), onError: 'continueRegularOutput' })).output());
		expect(again.map((item) => item.state)).toEqual(Array(20).fill('success'));
		expect(again.map((item) => item.reused === true)).toEqual(items.map((_, index) => index >= 5));
		expect(again.slice(5).map((item) => item.taskId)).toEqual(firstOut.slice(5).map((item) => item.taskId));
		expect(sim.stats().submitsAccepted).toBe(25);
	});

	test('Retry On Fail: the second try picks up the task of the first', async () => {
		const workflow = savedWorkflow();
		const run = await runKling(api(), [{ prompt: '[sim:ms=1200] retried' }], poll(workflow, { timeout: 0.01 }, { retryOnFail: true, maxTries: 3, waitBetweenTries: 1000 }));
		expect(run.output()[0].json).toMatchObject({ state: 'success', reused: true });
		expect(sim.stats().submitsAccepted).toBe(1);
	});

	test('a download that failed: run again, the task is picked up and downloaded, not paid again', async () => {
		const workflow = savedWorkflow();
		const prompt = '[sim:ms=100] download me';
		sim.injectFault({ endpoint: 'files', status: 500 });
		const first = await runKling(api(), [{ prompt }], poll(workflow, { downloadVideo: true }));
		expect(errorOf(first).message).toMatch(/^Downloading the video of task/);
		const again = await runKling(api(), [{ prompt }], poll(workflow, { downloadVideo: true }));
		expect(again.output()[0].json).toMatchObject({ state: 'success', reused: true });
		expect(again.output()[0].binary?.data?.fileName).toMatch(/\.mp4$/);
		expect(sim.stats().submitsAccepted).toBe(1);
	});

	test('a failed task is not reused: run again, it is submitted again', async () => {
		const workflow = savedWorkflow();
		const prompt = '[sim:ms=100] [sim:fail=GENERATION_FAILED] fails';
		await runKling(api(), [{ prompt }], poll(workflow));
		await runKling(api(), [{ prompt }], poll(workflow));
		expect(sim.stats().submitsAccepted).toBe(2);
	});

	test('identical items are two videos; run again, each is picked up once', async () => {
		const workflow = savedWorkflow();
		const items = [{ prompt: '[sim:ms=1200] twins' }, { prompt: '[sim:ms=1200] twins' }];
		await runKling(api(), items, { ...poll(workflow, { timeout: 0.01 }), onError: 'continueRegularOutput' });
		await sleep(1200);
		const again = jsonOf((await runKling(api(), items, poll(workflow))).output());
		expect(sim.stats().submitsAccepted).toBe(2);
		expect(new Set(again.map((item) => item.taskId)).size).toBe(2);
		expect(again.every((item) => item.reused === true)).toBe(true);
	});

	test('not reused with another key, a changed request, the option off, or after the window', async () => {
		const workflow = savedWorkflow();
		const prompt = '[sim:ms=60000] never ends here';
		const timedOut = { timeout: 0.01 };
		const startedAt = Date.now();
		await runKling(api(), [{ prompt }], poll(workflow, timedOut));
		await runKling({ ...api(), apiKey: 'sk-other-key' }, [{ prompt }], poll(workflow, timedOut));
		await runKling(api(), [{ prompt: `${prompt}!` }], poll(workflow, timedOut));
		await runKling(api(), [{ prompt }], poll(workflow, { ...timedOut, reuseTasks: false }));
		expect(sim.stats().submitsAccepted).toBe(4);
		// The first run's task is older than a window of 3.6 s (the least) by now.
		await sleep(4300 - (Date.now() - startedAt));
		await runKling(api(), [{ prompt }], poll(workflow, { ...timedOut, reuseWindow: 0.001 }));
		expect(sim.stats().submitsAccepted).toBe(5);
		// What is kept names no key.
		expect(JSON.stringify(workflow.staticData)).not.toContain(SECRET_KEY);
	});

	test('Don\'t Wait delivers the task IDs: the same prompt run again is a new task', async () => {
		const workflow = savedWorkflow();
		const spec = { parameters: textToVideo({ waitMode: 'none' }), workflow };
		const first = jsonOf((await runKling(api(), [{ prompt: 'fire and forget' }], spec)).output());
		const second = jsonOf((await runKling(api(), [{ prompt: 'fire and forget' }], spec)).output());
		expect(sim.stats().submitsAccepted).toBe(2);
		expect(second[0].taskId).not.toBe(first[0].taskId);
	});
});

describe('a paid video is never paid twice and never dropped', () => {
	const twoItems = [{ prompt: '[sim:ms=100] ends at once' }, { prompt: '[sim:ms=1500] ends after the timeout' }];

	test('a run that failed delivered nothing: run again (as n8n\'s Retry does), both tasks are picked up, 2 paid for 2 videos', async () => {
		const workflow = savedWorkflow();
		const first = await runKling(api(), twoItems, poll(workflow, { timeout: 0.01 }));
		expect(first.run.status).toBe('error');
		const taskIds = sim.tasks().map((task) => task.taskId);
		const again = jsonOf((await runKling(api(), twoItems, poll(workflow))).output());
		expect(again.map((item) => [item.taskId, item.state, item.reused])).toEqual(taskIds.map((taskId) => [taskId, 'success', true]));
		expect(sim.stats().submitsAccepted).toBe(2);
	});

	test('Retry On Fail: the second try picks up the item that had succeeded on the first, too', async () => {
		const workflow = savedWorkflow();
		const run = await runKling(api(), twoItems, poll(workflow, { timeout: 0.01 }, { retryOnFail: true, maxTries: 2, waitBetweenTries: 1000 }));
		expect(jsonOf(run.output()).map((item) => [item.state, item.reused])).toEqual([
			['success', true],
			['success', true],
		]);
		expect(sim.stats().submitsAccepted).toBe(2);
	});

	test('two executions of one workflow overlapping with the same prompt pay for two videos, each its own', async () => {
		const workflow = savedWorkflow();
		const items = [{ prompt: '[sim:ms=1200] the same prompt, twice at once' }];
		const first = runKling(api(), items, poll(workflow));
		await sleep(400);
		const second = runKling(api(), items, poll(workflow));
		const [a, b] = (await Promise.all([first, second])).map((run) => jsonOf(run.output())[0]);
		expect(sim.stats().submitsAccepted).toBe(2);
		expect(a.taskId).not.toBe(b.taskId);
		expect([a.state, b.state]).toEqual(['success', 'success']);
		expect(a).not.toHaveProperty('reused');
		expect(b).not.toHaveProperty('reused');
	});

	test('a task whose owner ended without delivering it is picked up by the next execution, once', async () => {
		const workflow = savedWorkflow();
		const items = [{ prompt: '[sim:ms=1500] left behind' }];
		await runKling(api(), items, poll(workflow, { timeout: 0.01 }));
		const [left] = sim.tasks();
		// Two executions start together after the owner failed: one takes the task, the other pays for its own video.
		const runs = await Promise.all([runKling(api(), items, poll(workflow)), runKling(api(), items, poll(workflow))]);
		const outputs = runs.map((run) => jsonOf(run.output())[0]);
		expect(outputs.filter((item) => item.taskId === left.taskId)).toHaveLength(1);
		expect(new Set(outputs.map((item) => item.taskId)).size).toBe(2);
		expect(sim.stats().submitsAccepted).toBe(2);
	});
});
