/**
 * n8n cuts an execution at its time limit (the workflow's Timeout Workflow, EXECUTIONS_TIMEOUT) or when it is stopped
 * from outside: Wait (Poll) ends before the limit with its own report naming every task, a stopped run names them in
 * its error and custom data, and a retry picks them up without paying again. Runs go through n8n-core's
 * WorkflowExecute, cancelled at the limit as n8n's runner does.
 */
import type { IDataObject } from 'n8n-workflow';

import { executionLimit, withinExecutionLimit } from '../../../../nodes/Kling/wait/poll/timeLimit';
import { runKling, type KlingNodeSpec } from '../../../helpers/engine';
import { errorOf, jsonOf, prompts, SECRET_KEY, textToVideo } from '../../../helpers/fixtures';
import { apiOf, useSimulator } from '../../../helpers/simulator';

const sim = useSimulator({ apiKeys: [SECRET_KEY] });
const api = apiOf(sim);
let workflows = 0;
const savedPoll = (options: IDataObject = {}, extra: Partial<KlingNodeSpec> = {}): KlingNodeSpec => ({
	parameters: textToVideo({ waitMode: 'poll' }, options),
	workflow: { id: `limited-${++workflows}`, staticData: {} },
	...extra,
});
const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));

const defaults = { ...executionLimit };
beforeEach(() => Object.assign(executionLimit, { endBeforeCutMs: 500, minTimeToPollMs: 500 }));
afterEach(() => Object.assign(executionLimit, defaults));

describe('the wait within n8n\'s time limit', () => {
	const schedule = { initialDelayMs: 0, pollIntervalMs: 1000, timeoutMs: 60_000, concurrency: 10 };

	test.each([
		['no limit', undefined, 60_000, false],
		['a limit after the Timeout', 100_000, 60_000, false],
		['a limit before the Timeout', 20_000, 19_500, true],
		['a limit already too near', 300, 0, true],
	])('%s', (_, cutIn, timeoutMs, bounded) => {
		const result = withinExecutionLimit(schedule, cutIn === undefined ? undefined : 1_000 + cutIn, 1_000);
		expect(result.schedule.timeoutMs).toBe(timeoutMs);
		expect(result.cutAt !== undefined).toBe(bounded);
	});

	test('Timeout Workflow before the node\'s Timeout: the node stops before n8n\'s cut, names every task and the limit; a retry pays nothing new', async () => {
		const spec = savedPoll();
		const items = prompts(2, () => '[sim:ms=3500]');
		const first = await runKling({ ...api(), executionTimeoutMs: 2_000 }, items, spec);
		expect(first.run.status).toBe('error');
		const { message, description } = errorOf(first);
		const taskIds = sim.tasks().map((task) => task.taskId);
		expect(message).toMatch(/^Timed out with 2 tasks still running/);
		for (const taskId of taskIds) expect(description).toContain(taskId);
		expect(first.run.data.resultData.runData.Kling[0].error?.description).toMatch(/Timeout Workflow/);

		const again = await runKling(api(), items, spec);
		expect(jsonOf(again.output()).map((item) => [item.taskId, item.state, item.reused])).toEqual(taskIds.map((taskId) => [taskId, 'success', true]));
		expect(sim.stats().submitsAccepted).toBe(2);
	});

	test('with Continue On Fail the tasks still running come out as items, and a hint names the limit that applied', async () => {
		const run = await runKling({ ...api(), executionTimeoutMs: 1_500 }, prompts(1, () => '[sim:ms=5000]'), savedPoll({}, { onError: 'continueRegularOutput' }));
		expect(run.run.status).toBe('success');
		expect(run.output()[0].json).toMatchObject({ timedOut: true, state: expect.any(String), error: expect.stringMatching(/before n8n's time limit/) });
		const hints = run.run.data.resultData.runData.Kling[0].hints ?? [];
		expect(hints.map((hint) => hint.message).join(' ')).toMatch(/Timeout Workflow/);
	});

	test('too little time left before n8n\'s cut to wait for a video: nothing is submitted, and the error says what to change', async () => {
		Object.assign(executionLimit, { minTimeToPollMs: 10_000 });
		const run = await runKling({ ...api(), executionTimeoutMs: 3_000 }, prompts(1), savedPoll());
		expect(errorOf(run).message).toMatch(/time limit for this execution leaves \d+ s/);
		expect(errorOf(run).description).toMatch(/Nothing was submitted/);
		expect(sim.stats().requests.generate).toBe(0);
	});

	test('stopped from outside while it polls: the error and the execution\'s custom data name every task; a retry pays nothing new', async () => {
		const spec = savedPoll();
		const items = prompts(2, () => '[sim:ms=2000]');
		const stop = new AbortController();
		const running = runKling(api(), items, spec, stop);
		for (let waited = 0; sim.tasks().length < 2 && waited < 5000; waited += 50) await sleep(50);
		await sleep(200);
		stop.abort();
		const stopped = await running;
		const taskIds = sim.tasks().map((task) => task.taskId);
		const error = stopped.run.data.resultData.runData.Kling[0].error;
		expect(error?.message).toMatch(/^The execution was stopped while the node waited for 2 tasks/);
		for (const taskId of taskIds) expect(`${error?.message} ${error?.description}`).toContain(taskId);
		expect(stopped.run.data.resultData.metadata?.klingTaskIds).toBe(taskIds.join(', '));

		const again = await runKling(api(), items, spec);
		expect(jsonOf(again.output()).map((item) => [item.taskId, item.reused])).toEqual(taskIds.map((taskId) => [taskId, true]));
		expect(sim.stats().submitsAccepted).toBe(2);
	});
});
