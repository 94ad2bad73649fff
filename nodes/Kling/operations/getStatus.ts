import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { outcomesOfEndedTasks, type EndedTask } from '../endedTasks';
import { pollTasks } from '../wait/poll/pollTasks';
import { systemClock } from '../../shared/clock';
import { mapConcurrent } from '../concurrency';
import { createClient } from '../../shared/createClient';
import type { ItemOutcome } from '../outcomes';
import { checkEveryItem, failureOf, toNodeOutput } from '../outcomes';
import { isEnded, toTaskResult, type TaskRequestFields } from '../../shared/taskResult';
import { runsAsAgentTool } from '../../shared/compat';
import { MODEL } from '../../shared/constants';
import { InputValidator } from '../validation';
import type { PendingTask } from '../task';
import { optionsProperty, readOptions } from '../options';
import { asNodeError } from '../../shared/errors';

export const getStatusProperties: INodeProperties[] = [
	{
		displayName: 'Task ID',
		name: 'taskId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. task_12ab34cd56ef…',
		description: 'The task ID that Generate Video returned (the field taskId)',
		displayOptions: { show: { operation: ['getStatus'] } },
	},
	{
		displayName: 'Wait for Result',
		name: 'waitMode',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: "Don't Wait", value: 'none', description: 'Output the current state at once' },
			{ name: 'Wait (Poll)', value: 'poll', description: 'Check the task until it ends, then output the result' },
		],
		default: 'none',
		displayOptions: { show: { operation: ['getStatus'] } },
	},
	optionsProperty('getStatus'),
];

export async function executeGetStatus(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const node = this.getNode();
	const items = this.getInputData();
	// Inside an AI Agent every failure is a tool result the agent can read, not a crash of its run.
	const continueOnFail = runsAsAgentTool(this) || this.continueOnFail();
	const options = readOptions(this);
	// A failed task is an answer to "what is its status?", not an error of this node.
	const results = { ...options.results, failedTaskIsData: true };
	const request: TaskRequestFields = { model: MODEL };
	const waitMode = this.getNodeParameter('waitMode', 0, 'none') as 'none' | 'poll';
	const signal = this.getExecutionCancelSignal();
	const clock = systemClock;

	const { valid: tasks, failures } = checkEveryItem(node, items.length, continueOnFail, (itemIndex): PendingTask => ({
		key: itemIndex,
		taskId: new InputValidator(node, itemIndex).taskId('Task ID', this.getNodeParameter('taskId', itemIndex, '')),
		submittedAt: clock.now(),
		lastState: 'pending',
		request,
	}));
	const outcomes: ItemOutcome[] = [...failures];

	const client = await createClient(this, { requestsPerMinute: options.requestsPerMinute, signal, clock });
	if (waitMode === 'poll') {
		// A task from elsewhere may already be far along: check it at once, then on the usual interval.
		const schedule = { ...options.schedule, initialDelayMs: 0 };
		outcomes.push(...(await pollTasks(this, node, client, tasks, schedule, results, clock, signal)));
		return [toNodeOutput(node, outcomes, continueOnFail)];
	}

	const ended: EndedTask[] = [];
	let stop = false;
	await mapConcurrent(
		tasks,
		options.schedule.concurrency,
		async (task) => {
			try {
				const status = await client.getStatus(task.taskId, task.key);
				if (isEnded(status.state)) ended.push({ itemIndex: task.key, status, request });
				else outcomes.push({ itemIndex: task.key, result: toTaskResult(status, request) });
			} catch (error) {
				if (signal?.aborted || !continueOnFail) {
					stop = true;
					throw asNodeError(node, error);
				}
				outcomes.push(failureOf(task.key, error, { taskId: task.taskId, model: MODEL }));
			}
		},
		() => stop,
	);
	outcomes.push(...(await outcomesOfEndedTasks(this, node, ended, results, signal)));
	return [toNodeOutput(node, outcomes, continueOnFail)];
}
