import type { IBinaryData, IExecuteFunctions, IWebhookFunctions, INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { RESULT_URL_LIFETIME_DAYS } from './constants';
import { asNodeError } from './errors';
import { hostForMessages } from './hosts';
import type { TaskResult } from './taskResult';

type DownloadContext = Pick<IExecuteFunctions | IWebhookFunctions, 'helpers'>;

/**
 * Streams a result MP4 into n8n's binary data (`<taskId>.mp4`, `video/mp4`). The body is handed to
 * `prepareBinaryData` as a stream, so with n8n's filesystem or S3 binary mode memory does not grow with the
 * file size. Result URLs are public CDN links: the API key is not sent to them.
 */
async function downloadVideo(
	context: DownloadContext,
	node: INode,
	url: string,
	taskId: string,
	itemIndex: number,
	signal?: AbortSignal,
): Promise<IBinaryData> {
	const fail = (reason: string): NodeOperationError =>
		new NodeOperationError(node, `Downloading the video of task ${taskId} from ${hostForMessages(url)} failed: ${reason}`, {
			itemIndex,
			description: `The task itself succeeded; its video is at ${url} for ${RESULT_URL_LIFETIME_DAYS} days. Download it from there, or run Get Task Status with download on.`,
		});
	let response;
	try {
		response = await context.helpers.httpRequest({
			url,
			method: 'GET',
			encoding: 'stream',
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: 300_000,
			abortSignal: signal,
		});
	} catch (error) {
		if (signal?.aborted) throw asNodeError(node, error);
		const code = (error as { code?: unknown }).code;
		throw fail(typeof code === 'string' ? code : 'the connection failed');
	}
	const body = response.body as Parameters<typeof context.helpers.prepareBinaryData>[0] & { destroy?: () => void };
	if (response.statusCode !== 200) {
		body.destroy?.();
		throw fail(`HTTP ${response.statusCode}`);
	}
	try {
		return await context.helpers.prepareBinaryData(body, `${taskId}.mp4`, 'video/mp4');
	} catch (error) {
		if (signal?.aborted) throw asNodeError(node, error);
		throw fail(error instanceof Error ? error.message : 'the transfer broke off');
	}
}

/** Why a successful task's video is not in the output: the message says so and names the task. */
export interface DownloadFailure {
	message: string;
	description?: string;
}

/**
 * The one download path of both nodes: a successful task's video into binary data, or why it could not be. A
 * cancelled run stops here (the error is thrown); any other failure is an answer, for the caller to put in its item.
 */
export async function downloadResultVideo(
	context: DownloadContext,
	node: INode,
	result: Pick<TaskResult, 'taskId' | 'videoUrl'>,
	itemIndex: number,
	signal?: AbortSignal,
): Promise<{ binary: IBinaryData } | { failure: DownloadFailure }> {
	if (!result.videoUrl) {
		return { failure: { message: `Task ${result.taskId} succeeded but APIXO returned no video URL to download` } };
	}
	try {
		return { binary: await downloadVideo(context, node, result.videoUrl, result.taskId, itemIndex, signal) };
	} catch (error) {
		if (signal?.aborted) throw asNodeError(node, error);
		const { message, description } = error as { message?: string; description?: string | null };
		return { failure: { message: message ?? String(error), description: description ?? undefined } };
	}
}
