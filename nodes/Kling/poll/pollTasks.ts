import type { IExecuteFunctions, IWebhookFunctions, INode } from 'n8n-workflow';

import type { ApixoClient } from '../../shared/ApixoClient';
import type { Clock } from '../../shared/clock';
import { isTransientRead } from '../../shared/failures';
import { toTaskResult } from '../../shared/taskResult';
import { outcomesOfEndedTasks, type ResultSettings } from '../endedTasks';
import type { ItemOutcome } from '../outcomes';
import { waitForTasks, type PendingTask, type WaitSchedule } from './scheduler';

function minutes(ms: number): string {
	const value = ms / 60_000;
	return value >= 1 ? `${Number(value.toFixed(1))} min` : `${Math.round(ms / 1000)} s`;
}

/** Polls every task until it ends or the timeout passes; a timed-out task is a failure that names its task ID. */
export async function pollTasks(
	context: IExecuteFunctions | IWebhookFunctions,
	node: INode,
	client: ApixoClient,
	tasks: PendingTask[],
	schedule: WaitSchedule,
	settings: ResultSettings,
	clock: Clock,
	signal?: AbortSignal,
): Promise<ItemOutcome[]> {
	const outcome = await waitForTasks(
		tasks,
		schedule,
		async (task, readSignal) => await client.getStatus(task.taskId, task.key, readSignal),
		clock,
		signal,
		isTransientRead,
	);
	const requestOf = new Map(tasks.map((task) => [task.key, task.request]));
	const ended = [...outcome.ended].map(([itemIndex, status]) => ({ itemIndex, status, request: requestOf.get(itemIndex) }));
	const outcomes = await outcomesOfEndedTasks(context, node, ended, settings, signal);
	for (const { task, error } of outcome.failedReads.values()) {
		const { message, description } = error as { message?: string; description?: string };
		outcomes.push({
			itemIndex: task.key,
			error: `Could not read the status of task ${task.taskId}: ${message ?? 'unknown error'}`,
			description: description ?? 'The task may still finish: check it later with Get Task Status.',
			fields: toTaskResult({ taskId: task.taskId, state: task.lastState }, task.request),
		});
	}
	for (const task of outcome.timedOut) {
		outcomes.push({
			itemIndex: task.key,
			error: `Timed out after ${minutes(schedule.timeoutMs)} waiting for task ${task.taskId} (last state: ${task.lastState})`,
			description:
				'The task is still running at APIXO and may finish later. Pick it up with Get Task Status and this task ID, or raise the Timeout option.',
			fields: { ...toTaskResult({ taskId: task.taskId, state: task.lastState }, task.request), timedOut: true },
		});
	}
	return outcomes;
}
