import type { IBinaryData, IExecuteFunctions, IWebhookFunctions, INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { safeHost } from './ApixoClient';
import { asNodeError } from './errors';

type DownloadContext = Pick<IExecuteFunctions | IWebhookFunctions, 'helpers'>;

/**
 * Streams a result MP4 into n8n's binary data (`<taskId>.mp4`, `video/mp4`). The body is handed to
 * `prepareBinaryData` as a stream, so with n8n's filesystem or S3 binary mode memory does not grow with the
 * file size. Result URLs are public CDN links: the API key is not sent to them.
 */
export async function downloadVideo(
	context: DownloadContext,
	node: INode,
	url: string,
	taskId: string,
	itemIndex: number,
	signal?: AbortSignal,
): Promise<IBinaryData> {
	const fail = (reason: string): NodeOperationError =>
		new NodeOperationError(node, `Downloading the video of task ${taskId} from ${safeHost(url)} failed: ${reason}`, {
			itemIndex,
			description: `The task itself succeeded; its video is at ${url} for 15 days. Download it from there, or run Get Task Status with download on.`,
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
