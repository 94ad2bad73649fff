/** What counts as an APIXO callback, for both nodes: the body as n8n hands it over (parsed, as text, or raw). */
import type { IWebhookFunctions } from 'n8n-workflow';

import { readCallback } from '../../nodes/shared/callback';

/** A request as n8n's webhook context presents it: the parsed body, and the raw one. */
function request(body: unknown, rawBody?: unknown): IWebhookFunctions {
	return { getBodyData: () => body, getRequestObject: () => ({ rawBody }) } as unknown as IWebhookFunctions;
}

describe('reading a callback', () => {
	test.each([
		['a JSON body n8n parsed', request({ code: 200, data: { taskId: 'task_ab12', state: 'success' } }), 'task_ab12'],
		['a text/plain body (a string)', request(JSON.stringify({ data: { taskId: 'task_cd34' } })), 'task_cd34'],
		['a body of an unknown type (raw bytes only)', request(undefined, Buffer.from(JSON.stringify({ data: { taskId: 'task_ef56' } }))), 'task_ef56'],
		['no data', request({ code: 200 }), undefined],
		['data that is a list', request({ data: [{ taskId: 'task_1' }] }), undefined],
		['a task id with a path in it', request({ data: { taskId: '../../etc' } }), undefined],
		['a task id that is a number', request({ data: { taskId: 42 } }), undefined],
		['text that is no JSON', request('taskId=task_1'), undefined],
	])('%s', (_, context, taskId) => {
		expect(readCallback(context)?.taskId).toBe(taskId);
	});
});
