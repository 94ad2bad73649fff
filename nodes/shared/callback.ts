import type { IDataObject, IWebhookFunctions } from 'n8n-workflow';

// The one rule for "is this an APIXO callback?", for the Kling Trigger and for a paused Kling node: what a callback
// body must hold, the task-ID rule, and the words a refused request reads.

/** APIXO's ids look like `task_<hex>`; anything outside this is not a callback (and never becomes a key). */
export const TASK_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/** What a request that is not an APIXO callback is answered (400). */
export const NOT_A_CALLBACK = 'Expected an APIXO callback: a JSON body with data.taskId';

/** A callback as APIXO posts it: the status envelope's `data`, with the task it speaks for. */
export interface Callback {
	taskId: string;
	data: IDataObject;
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

/**
 * The callback a request carries, or undefined. n8n parses JSON, form and XML bodies itself; a text/plain body
 * arrives as a string, and a body of an unknown content type only as `rawBody`. A callback is an APIXO envelope
 * whose `data.taskId` is a task id. What it says of the task decides nothing: both nodes read the task back from
 * the API.
 */
export function readCallback(context: IWebhookFunctions): Callback | undefined {
	let body: unknown = context.getBodyData();
	if (typeof body === 'string') body = parseJson(body);
	if (body === undefined || body === null) {
		const raw = (context.getRequestObject() as { rawBody?: unknown }).rawBody;
		if (Buffer.isBuffer(raw) || typeof raw === 'string') body = parseJson(raw.toString());
	}
	const data = (body as { data?: unknown } | undefined)?.data;
	if (!data || typeof data !== 'object' || Array.isArray(data)) return undefined;
	const { taskId } = data as IDataObject;
	if (typeof taskId !== 'string' || !TASK_ID_PATTERN.test(taskId)) return undefined;
	return { taskId, data: data as IDataObject };
}
