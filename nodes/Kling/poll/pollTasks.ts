import type { IExecuteFunctions, IWebhookFunctions, INode } from 'n8n-workflow';

import type { ApixoClient } from '../../shared/ApixoClient';
import type { Clock } from '../../shared/clock';
import { mapConcurrent } from '../concurrency';
import { downloadResultVideo } from '../../shared/download';
import { isTransientRead } from '../../shared/failures';
import type { ItemOutcome } from '../outcomes';
import type { TaskRequestFields, TaskStatus } from '../../shared/taskResult';
import { toTaskResult } from '../../shared/taskResult';
import type { PendingTask, WaitSchedule } from './scheduler';
import { waitForTasks } from './scheduler';

export interface ResultSettings {
	downloadVideo: boolean;
	binaryPropertyName: string;
	/** Downloads at once; they are large, so fewer than status requests. */
	downloadConcurrency: number;
	/**
	 * Get Task Status: a failed task is an answer (an item with state "failed"), not an error. Generate Video
	 * leaves it off: a video that could not be made is an error there (error output, Continue On Fail).
	 */
	failedTaskIsData?: boolean;
}

/** A task that has ended, for the item it belongs to. */
export interface EndedTask {
	itemIndex: number;
	status: TaskStatus;
	request?: TaskRequestFields;
}

type HelperContext = IExecuteFunctions | IWebhookFunctions;

/** The outcome of a task that has ended: its fields, its video as binary data if asked, or why it failed. */
async function outcomeOfEndedTask(
	context: HelperContext,
	node: INode,
	{ itemIndex, status, request }: EndedTask,
	settings: ResultSettings,
	signal?: AbortSignal,
): Promise<ItemOutcome> {
	const result = toTaskResult(status, request);
	if (result.state === 'failed' && !settings.failedTaskIsData) {
		const code = result.failCode ?? 'UNKNOWN';
		return {
			itemIndex,
			error: `Kling task ${result.taskId} failed: ${code}${result.failMsg ? ` – ${result.failMsg}` : ''}`,
			description: 'APIXO reported the task as failed. Adjust the prompt or images and submit again.',
			fields: result,
		};
	}
	if (result.state !== 'success' || !settings.downloadVideo) return { itemIndex, result };
	const download = await downloadResultVideo(context, node, result, itemIndex, signal);
	if ('failure' in download) {
		return { itemIndex, error: download.failure.message, description: download.failure.description, fields: result };
	}
	return { itemIndex, result, binary: { [settings.binaryPropertyName]: download.binary } };
}

export async function outcomesOfEndedTasks(
	context: HelperContext,
	node: INode,
	ended: EndedTask[],
	settings: ResultSettings,
	signal?: AbortSignal,
): Promise<ItemOutcome[]> {
	const outcomes = await mapConcurrent(ended, settings.downloadConcurrency, async (task) =>
		await outcomeOfEndedTask(context, node, task, settings, signal),
	);
	return outcomes as ItemOutcome[];
}

function minutes(ms: number): string {
	const value = ms / 60_000;
	return value >= 1 ? `${Number(value.toFixed(1))} min` : `${Math.round(ms / 1000)} s`;
}

/** Polls every task until it ends or the timeout passes; a timed-out task is a failure that names its task ID. */
export async function pollTasks(
	context: HelperContext,
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
