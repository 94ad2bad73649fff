/**
 * Helpers of the queue-mode scenarios that many executions run through at once (queueFaults.test.ts): start them,
 * wait until they all wait, end their simulator tasks at a pace, and check what became of each.
 */
import { readFileSync, statSync } from 'node:fs';
import { n8n, Scenario, sim, state, summary, type Execution, type ExecutionStatus } from './client';
import { testWorkflows, type TestWorkflowKey } from './workflows';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A task duration no test waits for: the test ends the tasks itself (sim.complete). */
export const UNTIL_ENDED = '[sim:ms=3600000]';

const starts = new Map<string, number>();
/** Progress of a long scenario on stderr, with seconds since its start. */
export function phase(scenario: Scenario, what: string): void {
	const start = starts.get(scenario.name) ?? Date.now();
	starts.set(scenario.name, start);
	process.stderr.write(`[${scenario.name}] ${((Date.now() - start) / 1000).toFixed(1)} s: ${what}\n`);
}

/** How many of `ids` (executions of the workflow) have each status, through n8n's public API. */
export async function statusCounts(key: TestWorkflowKey, ids: Set<string>): Promise<Partial<Record<ExecutionStatus, number>>> {
	const counts: Partial<Record<ExecutionStatus, number>> = {};
	for (const execution of await n8n.executionsOf(testWorkflows[key].workflow.id, 100_000)) {
		if (ids.has(execution.id)) counts[execution.status] = (counts[execution.status] ?? 0) + 1;
	}
	return counts;
}

/** Polls until every execution in `ids` is waiting (or the time is up); returns how many were. */
export async function waitAllWaiting(key: TestWorkflowKey, ids: Set<string>, timeoutMs: number): Promise<number> {
	let waiting = 0;
	for (const deadline = Date.now() + timeoutMs; waiting < ids.size && Date.now() < deadline; await sleep(500)) {
		waiting = (await statusCounts(key, ids)).waiting ?? 0;
	}
	return waiting;
}

/** Starts `count` executions of a test workflow, `inFlight` webhook calls at a time; returns their ids and prompts. */
export async function startMany(scenario: Scenario, key: TestWorkflowKey, count: number, prompt: (index: number) => string, inFlight = 10): Promise<Map<string, string>> {
	const started: Array<[string, string]> = [];
	let next = 0;
	await Promise.all(
		Array.from({ length: Math.min(inFlight, count) }, async () => {
			while (next < count) {
				const index = next++;
				started.push([await n8n.run(new Scenario(`${scenario.name} #${index}`), key, [{ prompt: prompt(index) }]), prompt(index)]);
			}
		}),
	);
	const byId = new Map(started);
	scenario.equal(byId.size, count, 'distinct execution ids');
	return byId;
}

/**
 * Ends the simulator tasks submitted with these prompts, `perSecond` of them each second (each callback follows at
 * once, as a burst of videos finishing); `midway.action` starts once `midway.after` tasks have ended, while the
 * rest keep ending, and is awaited at the end.
 */
export async function endTasksOf(prompts: Map<string, string>, perSecond: number, midway?: { after: number; action: () => Promise<void> }): Promise<void> {
	const wanted = new Set(prompts.values());
	const taskIds = (await sim.tasks()).filter((task) => wanted.has(task.input.prompt)).map((task) => task.taskId);
	const step = Math.max(1, Math.round(perSecond / 4));
	let during: Promise<void> | undefined;
	for (let start = 0; start < taskIds.length; start += step) {
		if (midway && !during && start >= midway.after) during = midway.action();
		await Promise.all([...taskIds.slice(start, start + step).map(async (taskId) => await sim.complete(taskId)), sleep(250)]);
	}
	await during;
}

export interface Outcome {
	execution: Execution;
	prompt: string;
	taskId: string;
}

/**
 * Waits until none of the executions is new, running or waiting any more (the error names how many still are), then
 * checks each: exactly one task submitted with its prompt, calling back to its own resume URL, the task of no other
 * execution; a success outputs that task's video. Returns every execution with its task, for the caller's verdict on
 * those that did not succeed.
 */
export async function settled(scenario: Scenario, key: TestWorkflowKey, prompts: Map<string, string>, timeoutMs: number): Promise<Outcome[]> {
	const ids = new Set(prompts.keys());
	const deadline = Date.now() + timeoutMs;
	for (let counts = await statusCounts(key, ids); (counts.new ?? 0) + (counts.running ?? 0) + (counts.waiting ?? 0) > 0; counts = await statusCounts(key, ids)) {
		if (Date.now() > deadline) scenario.fail(`not all ${ids.size} executions ended within ${timeoutMs / 1000} s: ${JSON.stringify(counts)}`);
		await sleep(1000);
	}
	const tasks = await sim.tasks();
	const queue = [...prompts];
	const outcomes: Outcome[] = [];
	await Promise.all(
		Array.from({ length: 4 }, async () => {
			for (let next = queue.pop(); next; next = queue.pop()) {
				const [executionId, prompt] = next;
				const check = new Scenario(scenario.name);
				check.executionId = executionId;
				const execution = check.must(await n8n.execution(executionId), () => 'not found');
				const submitted = tasks.filter((task) => task.input.prompt === prompt);
				check.equal(submitted.length, 1, `tasks submitted with the prompt "${prompt}"`);
				const [task] = submitted;
				check.check(task.callback_url?.includes(`/webhook-waiting/${executionId}`), () => `task ${task.taskId} calls back to ${task.callback_url}`);
				if (execution.status === 'success') {
					const items = n8n.items(execution, 'Kling');
					check.equal(
						items.map((item) => ({ taskId: item.json.taskId, state: item.json.state, videoUrl: item.json.videoUrl })),
						[{ taskId: task.taskId, state: 'success', videoUrl: task.resultUrl }],
						`Kling output (${summary(execution)})`,
					);
				}
				outcomes.push({ execution, prompt, taskId: task.taskId });
			}
		}),
	);
	const outputs = outcomes.map((outcome) => outcome.taskId);
	scenario.equal(new Set(outputs).size, outputs.length, 'distinct tasks of the executions');
	return outcomes;
}

/** Every execution succeeded (what `settled` found). */
export function allSucceeded(scenario: Scenario, outcomes: Outcome[]): void {
	const others = outcomes.filter((outcome) => outcome.execution.status !== 'success');
	scenario.equal(
		others.map((outcome) => `${outcome.execution.id}: ${summary(outcome.execution)}`),
		[],
		`executions of ${outcomes.length} that did not succeed`,
	);
}

/** The executions an n8n worker's log shows started and not finished, from byte `from` of the log on. */
export function unfinishedInLog(logFile: string, from: number): string[] {
	const text = readFileSync(logFile).subarray(from).toString('utf8');
	const started = [...text.matchAll(/Worker started execution (\d+)/g)].map((match) => match[1]);
	const finished = new Set([...text.matchAll(/Worker finished execution (\d+)/g)].map((match) => match[1]));
	return started.filter((id) => !finished.has(id));
}

/** The size of a process's log now: where to read its news from. */
export const logSize = (name: string) => statSync(state().logs[name]).size;

/**
 * Kills (SIGKILL) an n8n worker at a moment it runs an execution its log shows started after byte `from` (or after
 * `timeoutMs` without one); returns the executions it was running.
 */
export async function killWorkerWhileBusy(name: string, from: number, timeoutMs = 15_000): Promise<string[]> {
	const log = state().logs[name];
	for (const deadline = Date.now() + timeoutMs; unfinishedInLog(log, from).length === 0 && Date.now() < deadline; ) await sleep(20);
	await n8n.control('kill', name);
	return unfinishedInLog(log, from);
}
