import type { IDataObject } from 'n8n-workflow';

import { ENDED_STATES, type TaskState } from './constants';

/** A status payload as APIXO sends it (status responses and callbacks share it). */
export interface TaskStatus {
	taskId: string;
	state: TaskState;
	resultJson?: string;
	failCode?: string;
	failMsg?: string;
	createTime?: number;
	completeTime?: number;
	costTime?: number;
}

/**
 * What the node knows of a task's request without asking APIXO (APIXO's status says nothing of it): the fields
 * Generate Video sent, or for a task from elsewhere only the model.
 */
export interface TaskRequestFields extends IDataObject {
	model?: string;
	mode?: 'text-to-video' | 'image-to-video';
	duration?: number;
	aspectRatio?: string;
	startImageUrl?: string;
	endImageUrl?: string;
	/** Generate Video picked up this task from an earlier run instead of paying for a new one. */
	reused?: boolean;
}

/**
 * What the nodes output for a task, the same in every operation and wait mode; fields not known are left out.
 * The README's "Output" table lists them.
 */
export interface TaskResult extends TaskRequestFields {
	taskId: string;
	state: TaskState;
	videoUrl?: string;
	resultUrls?: string[];
	failCode?: string;
	failMsg?: string;
	createTime?: number;
	completeTime?: number;
	costTimeMs?: number;
}

export function isEnded(state: unknown): boolean {
	return ENDED_STATES.includes(state as TaskState);
}

/** `resultJson` is a JSON string; tolerate an already-parsed object and ignore anything unreadable. */
function resultUrlsOf(resultJson: unknown): string[] | undefined {
	let parsed: unknown = resultJson;
	if (typeof resultJson === 'string') {
		try {
			parsed = JSON.parse(resultJson);
		} catch {
			return undefined;
		}
	}
	const urls = (parsed as { resultUrls?: unknown } | null)?.resultUrls;
	if (!Array.isArray(urls)) return undefined;
	return urls.filter((url): url is string => typeof url === 'string');
}

/** Every field a task's output can have, in output order (the README's "Output" table lists the same). */
export const TASK_FIELDS = [
	'taskId',
	'state',
	'model',
	'mode',
	'duration',
	'aspectRatio',
	'startImageUrl',
	'endImageUrl',
	'videoUrl',
	'resultUrls',
	'failCode',
	'failMsg',
	'createTime',
	'completeTime',
	'costTimeMs',
	'reused',
] as const satisfies ReadonlyArray<keyof TaskResult>;

/**
 * The one place a task's output fields are put together (and `resultJson` parsed): the request's fields, then
 * what APIXO said of the task.
 */
export function toTaskResult(status: Pick<TaskStatus, 'taskId' | 'state'> & Partial<TaskStatus>, request: TaskRequestFields = {}): TaskResult {
	const result: TaskResult = { taskId: status.taskId, state: status.state };
	for (const field of ['model', 'mode', 'duration', 'aspectRatio', 'startImageUrl', 'endImageUrl'] as const) {
		if (request[field] !== undefined) result[field] = request[field] as never;
	}
	const resultUrls = resultUrlsOf(status.resultJson);
	if (resultUrls && resultUrls.length > 0) {
		result.videoUrl = resultUrls[0];
		result.resultUrls = resultUrls;
	}
	if (status.failCode !== undefined && status.failCode !== null) result.failCode = String(status.failCode);
	if (status.failMsg !== undefined && status.failMsg !== null) result.failMsg = String(status.failMsg);
	for (const field of ['createTime', 'completeTime'] as const) {
		if (typeof status[field] === 'number') result[field] = status[field];
	}
	if (typeof status.costTime === 'number') result.costTimeMs = status.costTime;
	if (request.reused === true) result.reused = true;
	return result;
}
