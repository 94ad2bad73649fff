/**
 * Queue mode at scale: many executions pausing for APIXO's callbacks on a worker with 5 slots, and a worker
 * crash while executions wait. The webhook process takes the callbacks; the worker finishes the executions.
 */
import { readFileSync } from 'node:fs';

import { APIXO_RETRY_DELAYS_MS, n8n, realRetryDelaysMs, Scenario, sim, state, summary, type Execution, type ExecutionStatus } from './harness/client';
import { testWorkflows } from './harness/workflows';
import { MAX_CALLBACK_ITEMS } from '../../nodes/Kling/wait/plan';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const callbackWorkflowId = testWorkflows.callback.workflow.id;
const WORKER_SLOTS = 5;
/** One item more than the node pauses for: it polls by itself. */
const ABOVE_PAUSE_LIMIT = MAX_CALLBACK_ITEMS + 1;
/**
 * Executions waiting at once, and callbacks per second when their tasks end. 300 at 10/s sat at the edge of what
 * one n8n process on 2 cores resumes (database-pool timeouts, failed resumes on a fresh machine; the benchmark
 * measures about 2–3 completed resumes per second and bursts of 8/s absorbed by queueing, 12/s not); this load
 * keeps a wide margin below that.
 */
const MANY = 100;
const CALLBACKS_PER_SECOND = 2;
/** Every worker of the topology (scaled mode has two): a crash of "the worker" takes them all down. */
const workers = () => (state().workers?.length ? state().workers : ['n8n-worker']);

const phases = new Map<string, number>();
/** Progress of the long scenarios on stderr, with seconds since the scenario's start. */
function phase(scenario: Scenario, what: string): void {
	const start = phases.get(scenario.name) ?? Date.now();
	phases.set(scenario.name, start);
	process.stderr.write(`[${scenario.name}] ${((Date.now() - start) / 1000).toFixed(1)} s: ${what}\n`);
}

async function countWithStatus(status: ExecutionStatus, ids: Set<string>): Promise<number> {
	const { status: httpStatus, body } = await n8n.publicApi('GET', `executions?workflowId=${callbackWorkflowId}&status=${status}&limit=250`);
	if (httpStatus !== 200) throw new Error(`listing ${status} executions: ${httpStatus}`);
	let count = (body as { data: Array<{ id: string }> }).data.filter((execution) => ids.has(String(execution.id))).length;
	let cursor = (body as { nextCursor: string | null }).nextCursor;
	while (cursor) {
		const page = await n8n.publicApi('GET', `executions?workflowId=${callbackWorkflowId}&status=${status}&limit=250&cursor=${cursor}`);
		count += (page.body as { data: Array<{ id: string }> }).data.filter((execution) => ids.has(String(execution.id))).length;
		cursor = (page.body as { nextCursor: string | null }).nextCursor;
	}
	return count;
}

/** A task duration no test waits for: the test ends the tasks itself (sim.complete). */
const UNTIL_ENDED = '[sim:ms=3600000]';

/** Polls until every execution in `ids` is waiting (or the time is up); returns the most seen waiting at once. */
async function waitAllWaiting(ids: Set<string>, timeoutMs: number): Promise<number> {
	let most = 0;
	for (const deadline = Date.now() + timeoutMs; most < ids.size && Date.now() < deadline; await sleep(500)) {
		most = Math.max(most, await countWithStatus('waiting', ids));
	}
	return most;
}

/**
 * Ends the simulator tasks submitted with these prompts, `perSecond` of them each second; each callback follows
 * at once. Real tasks end spread out (they take 30–60 s and were submitted over seconds). All 300 ending within
 * one second overloads a single webhook process on 2 cores: n8n then fails resumes on database-pool timeouts
 * ("timeout exceeded when trying to connect") and ends those executions in error.
 */
async function endTasksOf(prompts: Map<string, string>, perSecond = Number(process.env.E2E_CALLBACKS_PER_SECOND ?? CALLBACKS_PER_SECOND)): Promise<void> {
	const wanted = new Set(prompts.values());
	const taskIds = (await sim.tasks()).filter((task) => wanted.has(task.input.prompt)).map((task) => task.taskId);
	const step = Math.max(1, Math.round(perSecond / 4));
	for (let start = 0; start < taskIds.length; start += step) {
		await Promise.all([...taskIds.slice(start, start + step).map(async (taskId) => await sim.complete(taskId)), sleep(250)]);
	}
}

/** Starts `count` callback executions, `inFlight` webhook calls at a time; returns their ids and prompts. */
async function startMany(scenario: Scenario, count: number, prompt: (index: number) => string, inFlight = 50): Promise<Map<string, string>> {
	const started: Array<[string, string]> = [];
	let next = 0;
	await Promise.all(
		Array.from({ length: Math.min(inFlight, count) }, async () => {
			while (next < count) {
				const index = next++;
				const id = await n8n.run(new Scenario(`${scenario.name} #${index}`), 'callback', [{ prompt: prompt(index) }]);
				started.push([id, prompt(index)]);
			}
		}),
	);
	const byId = new Map(started);
	scenario.equal(byId.size, count, 'distinct execution ids');
	return byId;
}

/** Every execution ended with success and its own task: the one submitted with its prompt and its resume URL. */
async function checkAllFinished(scenario: Scenario, prompts: Map<string, string>, timeoutMs: number): Promise<void> {
	const ids = new Set(prompts.keys());
	const deadline = Date.now() + timeoutMs;
	while ((await countWithStatus('success', ids)) < ids.size) {
		if (Date.now() > deadline) {
			const counts = Object.fromEntries(
				await Promise.all((['waiting', 'running', 'new', 'error', 'crashed'] as const).map(async (status) => [status, await countWithStatus(status, ids)])),
			);
			scenario.fail(`not all ${ids.size} executions succeeded within ${timeoutMs / 1000} s: ${JSON.stringify(counts)}`);
		}
		await sleep(1000);
	}
	const tasks = await sim.tasks();
	const taskIds = new Set<string>();
	const executions = new Map<string, Execution>();
	const queue = [...prompts.keys()];
	await Promise.all(
		Array.from({ length: 8 }, async () => {
			for (let executionId = queue.pop(); executionId; executionId = queue.pop()) {
				executions.set(executionId, (await n8n.execution(executionId)) as Execution);
			}
		}),
	);
	for (const [executionId, prompt] of prompts) {
		const execution = executions.get(executionId) as Execution;
		const items = n8n.items(execution, 'Kling');
		const check = new Scenario(`${scenario.name}`);
		check.executionId = executionId;
		check.equal(items.length, 1, `Kling items (${summary(execution)})`);
		const submitted = tasks.filter((task) => task.input.prompt === prompt);
		check.equal(submitted.length, 1, `tasks submitted with the prompt "${prompt}"`);
		const [task] = submitted;
		check.check(task.callback_url?.includes(`/webhook-waiting/${executionId}`), () => `task ${task.taskId} calls back to ${task.callback_url}`);
		check.equal({ taskId: items[0].json.taskId, state: items[0].json.state, videoUrl: items[0].json.videoUrl }, { taskId: task.taskId, state: 'success', videoUrl: task.resultUrl }, 'output');
		check.check(!taskIds.has(task.taskId), () => `task ${task.taskId} is the output of two executions`);
		taskIds.add(task.taskId);
	}
}

describe('queue mode: main + worker (5 slots) + webhook process', () => {
	// APIXO's redeliveries keep their real length here (see realRetryDelaysMs).
	beforeAll(async () => {
		// Hundreds of paid tasks (more with E2E_REPEAT): a balance that never runs out, or tasks fail INSUFFICIENT_CREDITS.
		await sim.config({ callbackRetryDelaysMs: realRetryDelaysMs(), balance: 1_000_000 });
	});
	afterAll(async () => {
		await sim.config({ callbackRetryDelaysMs: APIXO_RETRY_DELAYS_MS });
	});

	// E2E_REPEAT=10 runs this load test ten times in one environment: a load test is trusted only after that.
	const rounds = Math.max(1, Number(process.env.E2E_REPEAT ?? 1));
	for (let round = 1; round <= rounds; round++) {
		test(`${MANY} executions waiting for callbacks at once all finish with their own video, none lost, none twice${rounds > 1 ? ` (round ${round} of ${rounds})` : ''}`, async () => {
			const scenario = new Scenario(`${MANY} concurrent callback executions`);
			const before = await sim.stats();
			phase(scenario, 'start');
			const run = Date.now().toString(36);
			// The tasks run until the test ends them: every execution must reach "waiting" while they run.
			const prompts = await startMany(scenario, MANY, (index) => `${UNTIL_ENDED} load ${run} #${index}`);
			const ids = new Set(prompts.keys());
			phase(scenario, `started ${ids.size}`);
			const waiting = await waitAllWaiting(ids, 120_000);
			scenario.check(
				waiting === ids.size,
				() => `only ${waiting} of ${ids.size} executions were waiting at once (worker slots: ${WORKER_SLOTS}): waiting executions hold slots`,
			);
			phase(scenario, `${waiting} waiting at once; ending their tasks`);

			await endTasksOf(prompts);
			await checkAllFinished(scenario, prompts, 240_000);
			const after = await sim.stats();
			const answers = after.callbacks.slice(before.callbacks.length).filter((delivery) => delivery.url.includes('/webhook-waiting/'));
			const notOk = answers.filter((delivery) => delivery.status !== 200);
			phase(
				scenario,
				`all finished and checked; ${answers.length} callback deliveries, ${notOk.length} not answered 200` +
					(notOk.length ? ` (${[...new Set(notOk.map((delivery) => delivery.status))].join(', ')}; APIXO's retries delivered them)` : ''),
			);
			scenario.equal(after.submitsAccepted - before.submitsAccepted, MANY, 'tasks created');
			// A load n8n holds: every callback answered 200 the first time, none left to APIXO's retries.
			scenario.equal(notOk.map((delivery) => delivery.status), [], 'callback deliveries not answered 200');
		}, 600_000);
	}

	test('more items in one execution than one paused execution waits for: the node polls on the worker by itself, says so, and outputs every video', async () => {
		const scenario = new Scenario(`${ABOVE_PAUSE_LIMIT} items in one callback execution`);
		const run = Date.now().toString(36);
		const prompts = Array.from({ length: ABOVE_PAUSE_LIMIT }, (_, index) => `[sim:ms=${3000 + (index % 10) * 150}] hundred ${run} #${index}`);
		const executionId = await n8n.run(scenario, 'callback', prompts.map((prompt) => ({ prompt })));
		const done = await n8n.waitFor(scenario, executionId, undefined, 180_000);
		scenario.check(done.status === 'success', () => `expected success, got ${summary(done)}`);
		const items = n8n.items(done, 'Kling');
		scenario.equal(items.length, ABOVE_PAUSE_LIMIT, 'Kling items');
		const tasks = await sim.tasks();
		for (const [index, prompt] of prompts.entries()) {
			const task = tasks.find((each) => each.input.prompt === prompt);
			scenario.equal(
				{ taskId: items[index]?.json.taskId, videoUrl: items[index]?.json.videoUrl, pairedItem: items[index]?.pairedItem, requestType: task?.request_type },
				{ taskId: task?.taskId, videoUrl: task?.resultUrl, pairedItem: { item: index }, requestType: 'async' },
				`item ${index}`,
			);
		}
		const hints = JSON.stringify(done.data?.resultData?.runData?.Kling?.[0]?.hints ?? []);
		scenario.check(hints.includes(`more than one paused execution waits for (${MAX_CALLBACK_ITEMS})`), () => `no hint about polling instead: ${hints}`);
	});

	test('the worker crashes while executions wait; after a restart they all finish', async () => {
		const scenario = new Scenario('worker crash while waiting');
		phase(scenario, 'start');
		const run = Date.now().toString(36);
		const prompts = await startMany(scenario, 20, (index) => `${UNTIL_ENDED} crash ${run} #${index}`);
		const ids = new Set(prompts.keys());
		const waiting = await waitAllWaiting(ids, 60_000);
		scenario.equal(waiting, ids.size, 'executions waiting before the crash');
		phase(scenario, `20 waiting; killing ${workers().join(' and ')} (SIGKILL)`);
		for (const worker of workers()) await n8n.control('kill', worker);

		// The tasks end and APIXO calls back while no worker runs: the webhook process takes the callbacks.
		await endTasksOf(prompts);
		const accepted = async () =>
			(await sim.stats()).callbacks.filter(
				(delivery) => delivery.status === 200 && [...ids].some((executionId) => new RegExp(`/webhook-waiting/${executionId}(?:[/?]|$)`).test(delivery.url)),
			).length;
		for (let waited = 0; waited < 30_000 && (await accepted()) < ids.size; waited += 500) await sleep(500);
		scenario.equal(await accepted(), ids.size, 'callbacks answered 200 while the worker was down');
		scenario.equal(await countWithStatus('success', ids), 0, 'executions finished without a worker');
		phase(scenario, 'callbacks taken by the webhook process; starting a new worker');
		await Promise.all(workers().map(async (worker) => await n8n.control('start', worker)));
		phase(scenario, 'worker ready');
		await checkAllFinished(scenario, prompts, 120_000);
		phase(scenario, 'all finished and checked');
	});
	test('a worker killed while 5 executions poll: its log names every task it paid for (n8n saves nothing of those executions)', async () => {
		const scenario = new Scenario('worker killed while polling');
		phase(scenario, 'start');
		const run = Date.now().toString(36);
		const names = Array.from({ length: 5 }, (_, index) => `${UNTIL_ENDED} killed mid-poll ${run} #${index}`);
		for (const prompt of names) await n8n.run(scenario, 'reusePoll', [{ prompt }]);
		let paid: string[] = [];
		for (let waited = 0; waited < 60_000 && paid.length < names.length; waited += 500) {
			paid = (await sim.tasks()).filter((task) => task.input.prompt.includes(`killed mid-poll ${run}`)).map((task) => task.taskId);
			if (paid.length < names.length) await sleep(500);
		}
		scenario.equal(paid.length, names.length, 'tasks paid for');
		await sleep(1000);
		phase(scenario, `5 polling; killing ${workers().join(' and ')} (SIGKILL)`);
		for (const worker of workers()) await n8n.control('kill', worker);
		const logged = workers()
			.map((worker) => readFileSync(state().logs[worker], 'utf8'))
			.join('\n');
		for (const taskId of paid) scenario.check(logged.includes(`Kling: paid for task ${taskId}`), () => `task ${taskId} is not in the worker's log`);
		for (const taskId of paid) await sim.complete(taskId);
		await Promise.all(workers().map(async (worker) => await n8n.control('start', worker)));
		phase(scenario, 'worker ready');
	});
});
