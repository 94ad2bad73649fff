import type { IExecuteFunctions, IWebhookFunctions, INode } from 'n8n-workflow';

import { downloadResultVideo } from '../shared/download';
import type { TaskRequestFields, TaskStatus } from '../shared/taskResult';
import { toTaskResult } from '../shared/taskResult';
import { mapConcurrent } from './concurrency';
import type { ItemOutcome } from './outcomes';

// What a task that has ended becomes in the output, the same after polling, a status read and a callback resume.

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
