/**
 * Pause Until Callback keeps every paid task until its video is delivered: a run that fails before it pauses, or
 * whose wait expires, leaves its tasks to the next run with the same request; a passing fault never ends a wait.
 * Runs go through n8n-core's WorkflowExecute and WebhookContext against the simulator.
 */
import type { IDataObject } from 'n8n-workflow';

import { credentialFaults, expireWait, runKling, type KlingNodeSpec } from '../../../helpers/engine';
import { errorOf, jsonOf, prompts, SECRET_KEY, textToVideo } from '../../../helpers/fixtures';
import { pausedRunOn } from '../../../helpers/paused';
import { useSimulator } from '../../../helpers/simulator';

const sim = useSimulator({ apiKeys: [SECRET_KEY], callbackRetryDelaysMs: [100, 200, 400] });
const pausedRun = pausedRunOn(sim);
const callbackSpec = (options: IDataObject = {}): KlingNodeSpec => ({ parameters: textToVideo({ waitMode: 'callback' }, options) });
const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));

let workflows = 0;
/** One saved workflow: its runs share its id and static data, as n8n keeps both. */
const saved = (options: IDataObject = {}): KlingNodeSpec => ({ ...callbackSpec(options), workflow: { id: `paused-${++workflows}`, staticData: {} } });

describe('Pause Until Callback never pays twice', () => {
	test('item 1 refused (402) fails the node before it pauses: after a top-up, Retry picks up item 0\'s task and pays only for item 1', async () => {
		const spec = saved({ concurrency: 1 });
		const api = { baseUrl: sim.url, apiKey: SECRET_KEY, webhookWaitingBaseUrl: 'http://127.0.0.1:5678/webhook-waiting' };
		const items = [{ prompt: 'first [sim:ms=300]' }, { prompt: 'second [sim:ms=300]' }];
		sim.injectFault({ endpoint: 'generate', status: 402, after: 1 });
		const first = await runKling(api, items, spec);
		const [paid] = sim.tasks();
		expect(first.run.status).toBe('error');
		expect(errorOf(first).description).toContain(paid.taskId);

		const again = await runKling(api, items, spec);
		expect(jsonOf(again.output()).map((item) => [item.state, item.reused === true])).toEqual([
			['success', true],
			['success', false],
		]);
		expect(again.output()[0].json.taskId).toBe(paid.taskId);
		expect(sim.stats().submitsAccepted).toBe(2);
	});

	test('a wait that expires delivers nothing: the same run again picks up both tasks and pays nothing new', async () => {
		const spec = saved({ timeout: 0.01 });
		const paused = await pausedRun(prompts(2, () => '[sim:ms=200] [sim:nocallback]'), spec);
		try {
			expect(paused.waiting.run.status).toBe('waiting');
			const taskIds = sim.tasks().map((task) => task.taskId);
			await sleep(700); // past the wait limit of 0.6 s
			const expired = jsonOf((await expireWait(paused.waiting, paused.api, spec)).output());
			expect(expired.map((item) => item.waitExpired)).toEqual([true, true]);

			const again = await runKling(paused.api, prompts(2, () => '[sim:ms=200] [sim:nocallback]'), spec);
			expect(jsonOf(again.output()).map((item) => [item.taskId, item.state, item.reused])).toEqual(taskIds.map((taskId) => [taskId, 'success', true]));
			expect(sim.stats().submitsAccepted).toBe(2);
		} finally {
			await paused.close();
		}
	});

	test('while the wait lasts, its tasks are its own: the same request run meanwhile pays for its own video', async () => {
		const spec = saved();
		const paused = await pausedRun(prompts(1, () => '[sim:ms=60000] [sim:nocallback]'), spec);
		try {
			const [waitingFor] = sim.tasks();
			const [other] = jsonOf(
				(await runKling({ baseUrl: sim.url, apiKey: SECRET_KEY }, prompts(1, () => '[sim:ms=60000] [sim:nocallback]'), { ...spec, parameters: textToVideo({ waitMode: 'none' }) })).output(),
			);
			expect(other.taskId).not.toBe(waitingFor.taskId);
			expect(sim.stats().submitsAccepted).toBe(2);
		} finally {
			await paused.close();
		}
	});

	test('videos a callback delivered are not picked up again: the same request run afterwards makes new ones', async () => {
		const spec = saved();
		const items = prompts(2, () => '[sim:ms=200]');
		const paused = await pausedRun(items, spec);
		try {
			const call = await paused.resumed;
			const delivered = jsonOf(call.resumed?.output() ?? []).map((item) => item.taskId);
			const again = jsonOf((await runKling(paused.api, items, { ...spec, parameters: textToVideo({ waitMode: 'poll' }) })).output());
			expect(again.every((item) => !delivered.includes(item.taskId) && item.reused === undefined)).toBe(true);
			expect(sim.stats().submitsAccepted).toBe(4);
		} finally {
			await paused.close();
		}
	});
});

describe('a passing fault never ends a callback wait', () => {
	test('a callback that meets a failing credential read is deferred: its redelivery resumes with the video', async () => {
		const paused = await pausedRun(prompts(1, () => '[sim:ms=150]'), callbackSpec());
		try {
			credentialFaults.failing = 1;
			const call = await paused.resumed;
			expect(jsonOf(call.resumed?.output() ?? [])).toEqual([expect.objectContaining({ state: 'success', videoUrl: expect.stringContaining('/files/') })]);
			expect(paused.calls.map((entry) => entry.status)).toEqual([503, 200]);
		} finally {
			credentialFaults.failing = 0;
			await paused.close();
		}
	});

	test('a callback whose stored options cannot be read is deferred, and the execution keeps waiting', async () => {
		const paused = await pausedRun(prompts(1, () => '[sim:ms=150] [sim:nocallback]'), callbackSpec());
		try {
			const [task] = sim.tasks();
			await sleep(300);
			// A stored setting that is not JSON: what a damaged execution row holds.
			paused.waiting.stored.resultData.metadata = { klingCallbackWait: '{not json' };
			const answer = await sim.sendCallback(task.taskId, { url: `${paused.api.webhookWaitingBaseUrl}/${paused.waiting.executionId}` });
			expect(answer.status).toBe(503);
			expect(paused.calls.some((entry) => entry.resumed)).toBe(false);
		} finally {
			await paused.close();
		}
	});

	test.each([403, 401, 400] as const)('one %i on the resuming callback\'s status read defers it; the redelivery resumes with the video', async (status) => {
		const paused = await pausedRun(prompts(1, () => '[sim:ms=150]'), callbackSpec());
		try {
			sim.injectFault({ endpoint: 'status', status });
			const call = await paused.resumed;
			expect(jsonOf(call.resumed?.output() ?? [])).toEqual([expect.objectContaining({ state: 'success', videoUrl: expect.stringContaining('/files/') })]);
			expect(paused.calls.map((entry) => entry.status)).toEqual([503, 200]);
		} finally {
			await paused.close();
		}
	});

	test('a callback after the wait limit resumes nothing: n8n ends the wait, and the task stays free for the next run', async () => {
		const paused = await pausedRun(prompts(1, () => '[sim:ms=100] [sim:nocallback]'), saved({ timeout: 0.01 }));
		try {
			const [task] = sim.tasks();
			await sleep(700);
			const late = await sim.sendCallback(task.taskId, { url: `${paused.api.webhookWaitingBaseUrl}/${paused.waiting.executionId}` });
			expect(late.status).toBe(200);
			expect(paused.calls.some((entry) => entry.resumed)).toBe(false);
		} finally {
			await paused.close();
		}
	});
});
