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

/** What the nodes output for a task: the `getStatus` fields, absent ones left out. */
export interface TaskResult extends IDataObject {
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

/** The one place `resultJson` is parsed. */
export function toTaskResult(status: TaskStatus): TaskResult {
	const result: TaskResult = { taskId: status.taskId, state: status.state };
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
	return result;
}
