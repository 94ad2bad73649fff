import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { outcomesOfEndedTasks, pollTasks } from '../../shared/awaitTasks';
import { systemClock } from '../../shared/clock';
import { mapConcurrent } from '../../shared/concurrency';
import { createClient } from '../../shared/context';
import type { ItemOutcome } from '../../shared/outcomes';
import { checkEveryItem, failureOf, toNodeOutput } from '../../shared/outcomes';
import { isEnded, toTaskResult } from '../../shared/taskResult';
import { InputValidator } from '../../shared/validation';
import type { PendingTask } from '../../shared/WaitEngine';
import { optionsProperty, readOptions } from './options';
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
	const continueOnFail = this.continueOnFail();
	const options = readOptions(this);
	const waitMode = this.getNodeParameter('waitMode', 0, 'none') as 'none' | 'poll';
	const signal = this.getExecutionCancelSignal();
	const clock = systemClock;

	const { valid: tasks, failures } = checkEveryItem(node, items.length, continueOnFail, (itemIndex): PendingTask => ({
		key: itemIndex,
		taskId: new InputValidator(node, itemIndex).taskId('Task ID', this.getNodeParameter('taskId', itemIndex, '')),
		submittedAt: clock.now(),
		lastState: 'pending',
	}));
	const outcomes: ItemOutcome[] = [...failures];

	const client = await createClient(this, { requestsPerMinute: options.requestsPerMinute, signal, clock });
	if (waitMode === 'poll') {
		// A task from elsewhere may already be far along: check it at once, then on the usual interval.
		const schedule = { ...options.schedule, initialDelayMs: 0 };
		outcomes.push(...(await pollTasks(this, node, client, tasks, schedule, options.results, clock, signal)));
		return [toNodeOutput(node, outcomes, continueOnFail)];
	}

	const ended: Array<{ itemIndex: number; status: Awaited<ReturnType<typeof client.getStatus>> }> = [];
	let stop = false;
	await mapConcurrent(
		tasks,
		options.schedule.concurrency,
		async (task) => {
			try {
				const status = await client.getStatus(task.taskId, task.key);
				if (isEnded(status.state)) ended.push({ itemIndex: task.key, status });
				else outcomes.push({ itemIndex: task.key, result: toTaskResult(status) });
			} catch (error) {
				if (signal?.aborted || !continueOnFail) {
					stop = true;
					throw asNodeError(node, error);
				}
				outcomes.push(failureOf(task.key, error, { taskId: task.taskId }));
			}
		},
		() => stop,
	);
	outcomes.push(...(await outcomesOfEndedTasks(this, node, ended, options.results, signal)));
	return [toNodeOutput(node, outcomes, continueOnFail)];
}
