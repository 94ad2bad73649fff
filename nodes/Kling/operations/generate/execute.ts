import { NodeOperationError, type IExecuteFunctions, type INode, type INodeExecutionData } from 'n8n-workflow';

import type { ApixoClient } from '../../../shared/ApixoClient';
import { systemClock, type Clock } from '../../../shared/clock';
import { executionDeadline, runsAsAgentTool } from '../../../shared/compat';
import { createClient } from '../../../shared/createClient';
import { toTaskResult } from '../../../shared/taskResult';
import { pauseForCallbacks, waitRecords } from '../../callbackWait/pause';
import { prepareCallbackWait } from '../../callbackWait/settings';
import { askedWaitMode, planWait, type WaitMode, type WaitPlan } from '../../callbackWait/whenToPause';
import { mapConcurrent } from '../../concurrency';
import { readOptions, type NodeOptions } from '../../options';
import { allTasksLine, checkEveryItem, failureOf, stoppedWhileWaiting, toNodeOutput, type ItemFailure, type ItemOutcome, type ItemResult } from '../../outcomes';
import { executionLimit } from '../../poll/timeLimit';
import { pollTasks } from '../../poll/pollTasks';
import type { PendingTask } from '../../poll/scheduler';
import { TaskReuse } from '../../reuse/taskReuse';
import { buildRequest, type SubmitRequest } from './request';

/** Generate Video: check every item, pick up undelivered tasks, decide how to wait, submit, then wait as decided. */
export async function executeGenerate(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const node = this.getNode();
	const items = this.getInputData();
	// Inside an AI Agent every failure is a tool result the agent can read, not a crash of its run.
	const asTool = runsAsAgentTool(this);
	const continueOnFail = asTool || this.continueOnFail();
	const options = readOptions(this);
	const asked = askedWaitMode(this, asTool);
	const signal = this.getExecutionCancelSignal();
	const clock = systemClock;

	// 1. Every item is checked before the first request, so bad input never costs a task.
	const { valid: requests, failures } = checkEveryItem(node, items.length, continueOnFail, (itemIndex) => buildRequest(this, itemIndex));
	const outcomes: ItemOutcome[] = [...failures];

	// Download Video stores the file through n8n's binary data helpers: checked before anything is paid for.
	if (options.results.downloadVideo && asked !== 'none' && typeof this.helpers.prepareBinaryData !== 'function') {
		throw new NodeOperationError(node, 'This n8n cannot store binary data from a node, so Download Video cannot work here', {
			description: 'Turn off Download Video (the output keeps the video URL) and run again. Nothing was submitted.',
		});
	}
	const client = await createClient(this, { requestsPerMinute: options.requestsPerMinute, signal, clock });

	// 2. A task an earlier run of this node paid for with the very same request, and never delivered, is picked
	// up instead of paid for again (unless it failed, APIXO no longer knows it, or another execution owns it).
	const reuse = TaskReuse.open(this, client, options, clock, continueOnFail);
	try {
		return await generate(this, { node, items, options, asked, client, reuse, clock, continueOnFail, signal, requests, outcomes });
	} finally {
		reuse.end();
	}
}

interface GenerateRun {
	node: INode;
	items: INodeExecutionData[];
	options: NodeOptions;
	asked: WaitMode;
	client: ApixoClient;
	reuse: TaskReuse;
	clock: Clock;
	continueOnFail: boolean;
	signal?: AbortSignal;
	requests: SubmitRequest[];
	outcomes: ItemOutcome[];
}

/** Steps 2 to 5, with the run's reuse open: what the node hands to n8n is delivered, nothing before. */
async function generate(
	context: IExecuteFunctions,
	{ node, items, options, asked, client, reuse, clock, continueOnFail, signal, requests, outcomes }: GenerateRun,
): Promise<INodeExecutionData[][]> {
	const { reused, toSubmit } = await reuse.pickUp(requests);

	// 3. How to wait, decided once before the first submit.
	const wait = planWait(context, asked, { taskCount: requests.length, reusedCount: reused.length, options, apiBaseUrl: client.baseUrl });
	if (wait.mode === 'callback') prepareCallbackWait(context, options);
	// A paused run's tasks are its own until its wait limit: after it no callback resumes it (resume.ts), and n8n
	// resumes it with the tasks undelivered.
	const heldUntil = wait.mode === 'callback' ? clock.now() + options.schedule.timeoutMs : undefined;
	if (wait.mode === 'poll') checkTimeToPoll(context, node, clock);

	// 4. Submit, a bounded number at once.
	const submit = await submitEach(toSubmit, { client, wait, reuse, heldUntil, concurrency: options.schedule.concurrency, clock, continueOnFail, signal });
	if (submit.stopped) throw stoppedWhileWaiting(node, [...reused.map(({ task }) => task), ...submit.submitted]);
	const submittedOutcomes: ItemResult[] = [
		...reused.map(({ task, status }) => ({ itemIndex: task.key, result: toTaskResult(status ?? { taskId: task.taskId, state: task.lastState }, task.request) })),
		...submit.submitted.map((task) => ({ itemIndex: task.key, result: toTaskResult({ taskId: task.taskId, state: 'pending' }, task.request) })),
	];
	if (submit.failures.length > 0 && !continueOnFail) {
		const first = submit.failures[0];
		const created = allTasksLine(submittedOutcomes);
		throw new NodeOperationError(node, first.error, {
			itemIndex: first.itemIndex,
			description: [
				first.description,
				created ? `${created} They were created (and are billed); follow them with Get Task Status, or retry the execution: they are picked up, not paid again.` : '',
			]
				.filter(Boolean)
				.join('\n\n'),
		});
	}
	outcomes.push(...submit.failures);

	// 5. Wait as decided; with nothing submitted there is nothing to wait for.
	const tasks = [...reused.map(({ task }) => task), ...submit.submitted];
	if (wait.mode === 'none' || tasks.length === 0) {
		// The task IDs are what Don't Wait delivers.
		return [deliver(node, reuse, [...outcomes, ...submittedOutcomes], continueOnFail)];
	}
	if (wait.mode === 'callback') {
		const records = waitRecords(items.length, outcomes, submittedOutcomes);
		const output = await pauseForCallbacks(context, records, new Date(heldUntil as number), options.schedule.timeoutMs);
		reuse.markPaused();
		return output;
	}
	const polled = await pollTasks(context, node, client, tasks, options.schedule, options.results, clock, signal);
	return [deliver(node, reuse, [...outcomes, ...polled], continueOnFail)];
}

/** Wait (Poll) needs time before n8n's own limit for this execution: checked before anything is paid for. */
function checkTimeToPoll(context: IExecuteFunctions, node: INode, clock: Clock): void {
	const cutAt = executionDeadline(context);
	if (cutAt === undefined) return;
	const left = cutAt - executionLimit.endBeforeCutMs - clock.now();
	if (left >= executionLimit.minTimeToPollMs) return;
	throw new NodeOperationError(node, `n8n's time limit for this execution leaves ${Math.max(0, Math.round(left / 1000))} s: too little to wait for a video`, {
		description:
			"The workflow's Timeout Workflow setting (or the instance's EXECUTIONS_TIMEOUT) ends this execution before a video could be ready. Raise that limit, or set Wait for Result to Pause Until Callback or Don't Wait. Nothing was submitted.",
	});
}

/**
 * The node's output: once it is built (without Continue On Fail, a failure throws instead and nothing is
 * delivered), the tasks it carries are delivered and never picked up again.
 */
function deliver(node: INode, reuse: TaskReuse, outcomes: ItemOutcome[], continueOnFail: boolean): INodeExecutionData[] {
	const output = toNodeOutput(node, outcomes, continueOnFail);
	reuse.settle(outcomes);
	return output;
}

interface SubmitSettings {
	client: ApixoClient;
	wait: WaitPlan;
	reuse: TaskReuse;
	heldUntil?: number;
	concurrency: number;
	clock: Clock;
	continueOnFail: boolean;
	signal?: AbortSignal;
}

/**
 * Submits each request, `concurrency` at once. After the first failure (without Continue On Fail) nothing new is
 * started, the submits in flight finish, and the caller's error lists every task already created.
 */
async function submitEach(
	requests: SubmitRequest[],
	{ client, wait, reuse, heldUntil, concurrency, clock, continueOnFail, signal }: SubmitSettings,
): Promise<{ submitted: PendingTask[]; failures: ItemFailure[]; stopped: boolean }> {
	const submitted: PendingTask[] = [];
	const failures: ItemFailure[] = [];
	let stopped = false;
	await mapConcurrent(
		requests,
		concurrency,
		async ({ itemIndex, body, request }) => {
			const finalBody = wait.mode === 'callback' ? { ...body, request_type: 'callback' as const, callback_url: wait.resumeUrl } : body;
			try {
				const taskId = await client.submit(finalBody, itemIndex);
				// Recorded the moment it is paid for, whatever the wait: a run that ends before delivering leaves it to a retry.
				reuse.recordSubmitted(itemIndex, taskId, heldUntil);
				submitted.push({ key: itemIndex, taskId, submittedAt: clock.now(), lastState: 'pending', request });
			} catch (error) {
				// Stopped from outside: the caller names every task already paid for.
				if (signal?.aborted) stopped = true;
				else failures.push(failureOf(itemIndex, error));
			}
		},
		() => stopped || (!continueOnFail && failures.length > 0),
	);
	return { submitted, failures, stopped };
}
