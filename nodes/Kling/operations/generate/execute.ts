import { NodeOperationError, type IExecuteFunctions, type INode, type INodeExecutionData } from 'n8n-workflow';

import type { ApixoClient } from '../../../shared/ApixoClient';
import { systemClock, type Clock } from '../../../shared/clock';
import { runsAsAgentTool } from '../../../shared/compat';
import { createClient } from '../../../shared/createClient';
import { toTaskResult } from '../../../shared/taskResult';
import { mapConcurrent } from '../../concurrency';
import { readOptions, type NodeOptions } from '../../options';
import { allTasksLine, checkEveryItem, failureOf, stoppedWhileWaiting, toNodeOutput, type ItemFailure, type ItemOutcome, type ItemResult } from '../../outcomes';
import { TaskReuse, type ReusedTask } from '../../reuse/taskReuse';
import { askedWaitMode, planWait, type WaitMode, type WaitPlan } from '../../wait/plan';
import type { PendingTask } from '../../task';
import { buildRequest, type SubmitRequest } from './request';

/** Generate Video: check every item, pick up undelivered tasks, decide how to wait, submit, then finish as planned. */
export async function executeGenerate(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const run = await checkRun(this);
	// A task an earlier run of this node paid for with the very same request, and never delivered, is picked up
	// instead of paid for again (unless it failed, APIXO no longer knows it, or another execution owns it).
	const reuse = TaskReuse.open(this, run.client, run.options, run.clock, run.continueOnFail);
	try {
		const { reused, toSubmit } = await reuse.pickUp(run.requests);
		const plan = planWait(this, run.asked, { ...run, taskCount: run.requests.length, reusedCount: reused.length });
		const submit = await submitEach(toSubmit, run, plan, reuse);
		const paid = paidResults(reused, submit.submitted);
		stopOnRefusedSubmit(run, submit, paid, reused);
		return await plan.finish({
			itemCount: run.itemCount,
			failures: [...run.failures, ...submit.failures],
			paid,
			tasks: [...reused.map(({ task }) => task), ...submit.submitted],
			deliver: (outcomes) => deliver(run.node, reuse, outcomes, run.continueOnFail),
			paused: () => reuse.markPaused(),
		});
	} finally {
		reuse.end();
	}
}

/** What a run of Generate Video works with, checked before anything is paid for. */
interface GenerateRun {
	node: INode;
	itemCount: number;
	options: NodeOptions;
	asked: WaitMode;
	client: ApixoClient;
	clock: Clock;
	continueOnFail: boolean;
	signal?: AbortSignal;
	/** The valid items' requests, and the items refused (with Continue On Fail). */
	requests: SubmitRequest[];
	failures: ItemOutcome[];
}

/** Every item is checked before the first request, so bad input never costs a task; so is what the options need. */
async function checkRun(context: IExecuteFunctions): Promise<GenerateRun> {
	const node = context.getNode();
	const itemCount = context.getInputData().length;
	// Inside an AI Agent every failure is a tool result the agent can read, not a crash of its run.
	const asTool = runsAsAgentTool(context);
	const continueOnFail = asTool || context.continueOnFail();
	const options = readOptions(context);
	const asked = askedWaitMode(context, asTool);
	const signal = context.getExecutionCancelSignal();
	const clock = systemClock;
	const { valid: requests, failures } = checkEveryItem(node, itemCount, continueOnFail, (itemIndex) => buildRequest(context, itemIndex));
	// Download Video stores the file through n8n's binary data helpers: checked before anything is paid for.
	if (options.results.downloadVideo && asked !== 'none' && typeof context.helpers.prepareBinaryData !== 'function') {
		throw new NodeOperationError(node, 'This n8n cannot store binary data from a node, so Download Video cannot work here', {
			description: 'Turn off Download Video (the output keeps the video URL) and run again. Nothing was submitted.',
		});
	}
	const client = await createClient(context, { requestsPerMinute: options.requestsPerMinute, signal, clock });
	return { node, itemCount, options, asked, client, clock, continueOnFail, signal, requests, failures };
}

interface SubmitResult {
	submitted: PendingTask[];
	failures: ItemFailure[];
	/** Stopped from outside (Stop, n8n's time limit) while submitting. */
	stopped: boolean;
}

/**
 * Submits each request, `concurrency` at once. After the first failure (without Continue On Fail) nothing new is
 * started, the submits in flight finish, and the caller's error lists every task already created.
 */
async function submitEach(requests: SubmitRequest[], run: GenerateRun, plan: WaitPlan, reuse: TaskReuse): Promise<SubmitResult> {
	const { client, clock, continueOnFail, signal } = run;
	const submitted: PendingTask[] = [];
	const failures: ItemFailure[] = [];
	let stopped = false;
	await mapConcurrent(
		requests,
		run.options.schedule.concurrency,
		async ({ itemIndex, body, request }) => {
			try {
				const taskId = await client.submit(plan.bodyFor(body), itemIndex);
				// Recorded the moment it is paid for, whatever the wait: a run that ends before delivering leaves it to a retry.
				reuse.recordSubmitted(itemIndex, taskId, plan.heldUntil);
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

/** Each task picked up or paid for, as its item's result so far. */
function paidResults(reused: ReusedTask[], submitted: PendingTask[]): ItemResult[] {
	return [
		...reused.map(({ task, status }) => ({ itemIndex: task.key, result: toTaskResult(status ?? { taskId: task.taskId, state: task.lastState }, task.request) })),
		...submitted.map((task) => ({ itemIndex: task.key, result: toTaskResult({ taskId: task.taskId, state: 'pending' }, task.request) })),
	];
}

/** A run stopped while submitting, or a refused submit without Continue On Fail, ends here, naming every task paid for. */
function stopOnRefusedSubmit(run: GenerateRun, submit: SubmitResult, paid: ItemResult[], reused: ReusedTask[]): void {
	if (submit.stopped) throw stoppedWhileWaiting(run.node, [...reused.map(({ task }) => task), ...submit.submitted]);
	if (submit.failures.length === 0 || run.continueOnFail) return;
	const first = submit.failures[0];
	const created = allTasksLine(paid);
	throw new NodeOperationError(run.node, first.error, {
		itemIndex: first.itemIndex,
		description: [
			first.description,
			created ? `${created} They were created (and are billed); follow them with Get Task Status, or retry the execution: they are picked up, not paid again.` : '',
		]
			.filter(Boolean)
			.join('\n\n'),
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
