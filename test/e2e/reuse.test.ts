/**
 * Retries never pay twice, in a real n8n: production executions through a webhook, n8n's own Retry through its
 * REST API (in queue mode the retry runs on a worker), the node's Retry On Fail; the simulator counts submits.
 */
import { n8n, Scenario, sim, summary, type Execution } from './harness/client';

const mode = process.env.E2E_MODE === 'queue' ? 'queue' : 'single';

/** Tasks that end only when the test says (sim.complete): a timeout then never depends on the machine's speed. */
const UNTIL_ENDED = '[sim:ms=600000]';

/** Ends the tasks of these outputs at the simulator now. */
async function endTasks(outputs: Array<Record<string, unknown>>): Promise<void> {
	for (const output of outputs) await sim.complete(String(output.taskId));
}

async function submits(): Promise<number> {
	return (await sim.stats()).submitsAccepted;
}

function klingItems(execution: Execution) {
	return n8n.items(execution, 'Kling').map((item) => item.json);
}

describe(`a retry never pays twice (${mode})`, () => {
	for (const loadWorkflow of [false, true]) {
		test(`the wait timed out; n8n's Retry (${loadWorkflow ? 'currently saved' : 'original'} workflow) submits nothing and outputs the video`, async () => {
			const scenario = new Scenario(`retry after timeout (${mode}, loadWorkflow ${loadWorkflow})`);
			const prompt = `${UNTIL_ENDED} retried fox ${Date.now().toString(36)}`;
			const before = await submits();
			const failed = await n8n.waitFor(scenario, await n8n.run(scenario, 'reusePoll', [{ prompt, timeout: 0.01 }]));
			scenario.check(failed.status === 'error' && /Timed out/.test(String(failed.data?.resultData.error?.message)), () => `first run: ${summary(failed)}`);
			scenario.equal((await submits()) - before, 1, 'tasks paid for by the first run');
			const [paid] = (await sim.tasks()).filter((task) => task.input.prompt === prompt);
			await sim.complete(paid.taskId);

			const retried = await n8n.retry(scenario, failed.id, loadWorkflow);
			scenario.check(retried.status === 'success', () => `retry: ${summary(retried)}`);
			const [output] = klingItems(retried);
			const task = await sim.task(String(output?.taskId));
			scenario.equal({ state: output?.state, videoUrl: output?.videoUrl, reused: output?.reused }, { state: 'success', videoUrl: task.resultUrl, reused: true }, 'retry output');
			scenario.equal(task.input.prompt, prompt, 'the task picked up');
			scenario.equal((await submits()) - before, 1, 'tasks paid for in all');
		});
	}

	test('a download that failed once: n8n\'s Retry downloads the same task, submits nothing', async () => {
		const scenario = new Scenario(`retry after a failed download (${mode})`);
		const before = await submits();
		await sim.faults({ endpoint: 'files', status: 500 });
		const failed = await n8n.waitFor(scenario, await n8n.run(scenario, 'reusePoll', [{ prompt: `[sim:ms=500] download ${Date.now().toString(36)}`, download: true }]));
		scenario.check(failed.status === 'error' && /Downloading the video/.test(String(failed.data?.resultData.error?.message)), () => `first run: ${summary(failed)}`);
		const retried = await n8n.retry(scenario, failed.id, false);
		scenario.check(retried.status === 'success', () => `retry: ${summary(retried)}`);
		const [item] = n8n.items(retried, 'Kling');
		scenario.equal({ reused: item?.json.reused, file: item?.binary?.data?.fileName }, { reused: true, file: `${String(item?.json.taskId)}.mp4` }, 'retry output');
		scenario.equal((await submits()) - before, 1, 'tasks paid for in all');
	});

	test('Retry On Fail: the second try picks up the task of the first', async () => {
		const scenario = new Scenario(`Retry On Fail (${mode})`);
		const before = await submits();
		// The first try times out after 0.6 s; the task ends 3 s after submit, within the 2 s pauses between tries.
		const done = await n8n.waitFor(scenario, await n8n.run(scenario, 'reuseRetryOnFail', [{ prompt: `[sim:ms=3000] tries ${Date.now().toString(36)}` }]), undefined, 90_000);
		scenario.check(done.status === 'success', () => summary(done));
		scenario.equal(klingItems(done).map((item) => [item.state, item.reused]), [['success', true]], 'output');
		scenario.equal((await submits()) - before, 1, 'tasks paid for');
	});

	test('the same prompt run twice successfully makes two videos', async () => {
		const scenario = new Scenario(`same prompt twice (${mode})`);
		const prompt = `[sim:ms=300] twice on purpose ${Date.now().toString(36)}`;
		const before = await submits();
		const first = await n8n.waitFor(scenario, await n8n.run(scenario, 'reusePoll', [{ prompt }]));
		const second = await n8n.waitFor(scenario, await n8n.run(scenario, 'reusePoll', [{ prompt }]));
		const ids = [...klingItems(first), ...klingItems(second)].map((item) => item.taskId);
		scenario.equal((await submits()) - before, 2, 'tasks paid for');
		scenario.check(new Set(ids).size === 2 && klingItems(second)[0]?.reused === undefined, () => `outputs: ${JSON.stringify(ids)}`);
	});

	test('20 items with Continue On Fail, 5 videos out and 15 timed out: the same 20 run again, 15 reused and 5 new', async () => {
		const scenario = new Scenario(`20 items, 15 reused (${mode})`);
		const run = Date.now().toString(36);
		// A wait of 0.2 min: the 5 quick tasks end within it on any machine, the 15 others only when the test ends them.
		const items = Array.from({ length: 20 }, (_, index) => ({ prompt: `${index < 5 ? '[sim:ms=300]' : UNTIL_ENDED} batch ${run} #${index}`, timeout: 0.2 }));
		const before = await submits();
		const first = await n8n.waitFor(scenario, await n8n.run(scenario, 'reuseContinue', items), undefined, 120_000);
		const firstOut = klingItems(first);
		scenario.equal(firstOut.map((item) => (item.state === 'success' ? 'video' : item.timedOut ? 'timed out' : JSON.stringify(item))), items.map((_, index) => (index < 5 ? 'video' : 'timed out')), 'first run');
		await endTasks(firstOut.slice(5));

		const again = klingItems(await n8n.waitFor(scenario, await n8n.run(scenario, 'reuseContinue', items.map((item) => ({ ...item, timeout: 1 }))), undefined, 120_000));
		scenario.equal(again.map((item) => item.state), Array(20).fill('success'), 'second run states');
		scenario.equal(again.map((item) => item.reused === true), items.map((_, index) => index >= 5), 'reused in the second run');
		scenario.equal(again.slice(5).map((item) => item.taskId), firstOut.slice(5).map((item) => item.taskId), 'the tasks picked up');
		scenario.equal((await submits()) - before, 25, 'tasks paid for in all');
	});
});

describe(`a paid video is never paid twice and never dropped (${mode})`, () => {
	test('two items, one outlives the timeout: the node fails, and n8n\'s Retry picks up both tasks (2 paid for 2 videos)', async () => {
		const scenario = new Scenario(`failed run, Retry picks up every item (${mode})`);
		const run = Date.now().toString(36);
		const items = [
			{ prompt: `[sim:ms=300] done first ${run}`, timeout: 0.05 },
			{ prompt: `${UNTIL_ENDED} done later ${run}` },
		];
		const before = await submits();
		const failed = await n8n.waitFor(scenario, await n8n.run(scenario, 'reusePoll', items));
		scenario.check(failed.status === 'error', () => `first run: ${summary(failed)}`);
		const paid = (await sim.tasks()).filter((task) => task.input.prompt.endsWith(run));
		scenario.equal(paid.length, 2, 'tasks paid for by the first run');
		for (const task of paid) await sim.complete(task.taskId);

		const retried = await n8n.retry(scenario, failed.id, true);
		scenario.check(retried.status === 'success', () => `retry: ${summary(retried)}`);
		scenario.equal(klingItems(retried).map((item) => [item.state, item.reused]), [['success', true], ['success', true]], 'retry output');
		scenario.equal((await submits()) - before, 2, 'tasks paid for in all');
	});

	test('Retry On Fail, two items: the second try picks up the item that had succeeded on the first, too', async () => {
		const scenario = new Scenario(`Retry On Fail, two items (${mode})`);
		const run = Date.now().toString(36);
		const before = await submits();
		const done = await n8n.waitFor(
			scenario,
			await n8n.run(scenario, 'reuseRetryOnFail', [{ prompt: `[sim:ms=300] first ${run}` }, { prompt: `[sim:ms=3000] second ${run}` }]),
			undefined,
			90_000,
		);
		scenario.check(done.status === 'success', () => summary(done));
		scenario.equal(klingItems(done).map((item) => [item.state, item.reused]), [['success', true], ['success', true]], 'output');
		scenario.equal((await submits()) - before, 2, 'tasks paid for');
	});

	test('two executions 0.4 s apart with the same prompt pay for two videos, each its own', async () => {
		const scenario = new Scenario(`overlapping executions (${mode})`);
		const prompt = `[sim:ms=2500] twice at once ${Date.now().toString(36)}`;
		const before = await submits();
		const first = n8n.run(scenario, 'reusePoll', [{ prompt }]);
		await new Promise((resolve) => setTimeout(resolve, 400));
		const second = n8n.run(scenario, 'reusePoll', [{ prompt }]);
		const executions = await Promise.all((await Promise.all([first, second])).map(async (id) => await n8n.waitFor(scenario, id)));
		const outputs = executions.map((execution) => klingItems(execution)[0]);
		scenario.equal(outputs.map((item) => [item?.state, item?.reused]), [['success', undefined], ['success', undefined]], 'outputs');
		scenario.check(outputs[0]?.taskId !== outputs[1]?.taskId, () => `both output ${String(outputs[0]?.taskId)}`);
		scenario.equal((await submits()) - before, 2, 'tasks paid for');
	});

	test('a callback wait that expires (callbacks lost), then the same run again: both tasks picked up, nothing paid again', async () => {
		const scenario = new Scenario(`callback wait expired, run again (${mode})`);
		const run = Date.now().toString(36);
		const items = [{ prompt: `[sim:ms=2000] [sim:nocallback] lost one ${run}` }, { prompt: `[sim:ms=2000] [sim:nocallback] lost two ${run}` }];
		const before = await submits();
		// The wait limit is 30 s; n8n's wait tracker resumes the execution within a minute after it.
		const expired = await n8n.waitFor(scenario, await n8n.run(scenario, 'callbackShortWait', items), undefined, 150_000);
		scenario.equal(klingItems(expired).map((item) => [item.state, item.waitExpired]), [['pending', true], ['pending', true]], 'expired output');
		const again = await n8n.waitFor(scenario, await n8n.run(scenario, 'callbackShortWait', items), undefined, 90_000);
		scenario.equal(klingItems(again).map((item) => [item.state, item.reused]), [['success', true], ['success', true]], 'second run');
		scenario.equal(klingItems(again).map((item) => item.taskId), klingItems(expired).map((item) => item.taskId), 'the tasks picked up');
		scenario.equal((await submits()) - before, 2, 'tasks paid for in all');
	});

	test('Timeout Workflow (20 s) shorter than the wait: the node reports every task before n8n cuts it, and Retry pays nothing new', async () => {
		const scenario = new Scenario(`Timeout Workflow cuts a poll (${mode})`);
		const run = Date.now().toString(36);
		const before = await submits();
		const failed = await n8n.waitFor(scenario, await n8n.run(scenario, 'reusePollLimited', [{ prompt: `${UNTIL_ENDED} one ${run}` }, { prompt: `${UNTIL_ENDED} two ${run}` }]), undefined, 90_000);
		const paid = (await sim.tasks()).filter((task) => task.input.prompt.endsWith(run));
		const error = failed.data?.resultData.error;
		scenario.check(failed.status === 'error' && /^Timed out with 2 tasks/.test(String(error?.message)), () => `first run: ${summary(failed)}`);
		for (const task of paid) scenario.check(String(error?.description).includes(task.taskId), () => `task ${task.taskId} not named: ${summary(failed)}`);
		scenario.check(/Timeout Workflow/.test(String(error?.description)), () => `the limit not named: ${summary(failed)}`);
		for (const task of paid) await sim.complete(task.taskId);

		const retried = await n8n.retry(scenario, failed.id, true);
		scenario.equal(klingItems(retried).map((item) => [item.state, item.reused]), [['success', true], ['success', true]], 'retry output');
		scenario.equal((await submits()) - before, 2, 'tasks paid for in all');
	});

	test('Timeout Workflow (20 s) with Continue On Fail: the tasks still running come out as items, and a hint names the limit', async () => {
		const scenario = new Scenario(`Timeout Workflow, Continue On Fail (${mode})`);
		const run = Date.now().toString(36);
		const done = await n8n.waitFor(scenario, await n8n.run(scenario, 'reuseLimitedContinue', [{ prompt: `${UNTIL_ENDED} hinted ${run}` }]), undefined, 90_000);
		scenario.check(done.status === 'success', () => summary(done));
		const [item] = klingItems(done);
		scenario.check(item?.timedOut === true && /n8n's time limit/.test(String(item?.error)), () => `output: ${JSON.stringify(item)}`);
		const hints = (done.data?.resultData.runData.Kling ?? []).flatMap((each) => (each as { hints?: Array<{ message?: string }> }).hints ?? []);
		scenario.check(hints.some((hint) => /Timeout Workflow/.test(String(hint.message))), () => `hints: ${JSON.stringify(hints)}`);
		for (const task of (await sim.tasks()).filter((each) => each.input.prompt.endsWith(run))) await sim.complete(task.taskId);
	});
});
