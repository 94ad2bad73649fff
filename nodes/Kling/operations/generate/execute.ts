import { NodeOperationError, type IExecuteFunctions, type INode, type INodeExecutionData } from 'n8n-workflow';

import type { ApixoClient } from '../../../shared/ApixoClient';
import { systemClock, type Clock } from '../../../shared/clock';
import { runsAsAgentTool } from '../../../shared/compat';
import { createClient } from '../../../shared/createClient';
import { asNodeError } from '../../../shared/errors';
import { toTaskResult } from '../../../shared/taskResult';
import { pauseForCallbacks, waitRecords } from '../../callbackWait/pause';
import { prepareCallbackWait } from '../../callbackWait/settings';
import { askedWaitMode, planWait, type WaitPlan } from '../../callbackWait/whenToPause';
import { mapConcurrent } from '../../concurrency';
import { readOptions } from '../../options';
import { allTasksLine, checkEveryItem, failureOf, toNodeOutput, type ItemFailure, type ItemOutcome, type ItemResult } from '../../outcomes';
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
	// up instead of paid for again (unless it failed or APIXO no longer knows it).
	const reuse = TaskReuse.open(this, client, options, clock, continueOnFail);
	const { reused, toSubmit } = await reuse.pickUp(requests);

	// 3. How to wait, decided once before the first submit.
	const wait = planWait(this, asked, { taskCount: requests.length, reusedCount: reused.length, options, apiBaseUrl: client.baseUrl });
	if (wait.mode === 'callback') prepareCallbackWait(this, options);

	// 4. Submit, a bounded number at once.
	const submit = await submitEach(toSubmit, { node, client, wait, reuse, concurrency: options.schedule.concurrency, clock, continueOnFail, signal });
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
				created ? `${created} They were created (and are billed); follow them with Get Task Status.` : '',
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
		return [toNodeOutput(node, reuse.settle([...outcomes, ...submittedOutcomes]), continueOnFail)];
	}
	if (wait.mode === 'callback') {
		return await pauseForCallbacks(this, waitRecords(items.length, outcomes, submittedOutcomes), options.schedule.timeoutMs);
	}
	const polled = await pollTasks(this, node, client, tasks, options.schedule, options.results, clock, signal);
	return [toNodeOutput(node, reuse.settle([...outcomes, ...polled]), continueOnFail)];
}

interface SubmitSettings {
	node: INode;
	client: ApixoClient;
	wait: WaitPlan;
	reuse: TaskReuse;
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
	{ node, client, wait, reuse, concurrency, clock, continueOnFail, signal }: SubmitSettings,
): Promise<{ submitted: PendingTask[]; failures: ItemFailure[] }> {
	const submitted: PendingTask[] = [];
	const failures: ItemFailure[] = [];
	await mapConcurrent(
		requests,
		concurrency,
		async ({ itemIndex, body, request }) => {
			const finalBody = wait.mode === 'callback' ? { ...body, request_type: 'callback' as const, callback_url: wait.resumeUrl } : body;
			try {
				const taskId = await client.submit(finalBody, itemIndex);
				// A paused run is resumed by its callbacks, not by this code: its tasks are not kept for reuse.
				if (wait.mode !== 'callback') reuse.recordSubmitted(itemIndex, taskId);
				submitted.push({ key: itemIndex, taskId, submittedAt: clock.now(), lastState: 'pending', request });
			} catch (error) {
				if (signal?.aborted) throw asNodeError(node, error);
				failures.push(failureOf(itemIndex, error));
			}
		},
		() => !continueOnFail && failures.length > 0,
	);
	return { submitted, failures };
}
