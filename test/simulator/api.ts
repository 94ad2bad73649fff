/** The three documented endpoints under /api/v1, as functions from a request to a Reply. */
import type { IncomingMessage } from 'node:http';
import type { Endpoint } from './faults';
import { badRequest, envelope, parseJson, readBody, type Reply } from './http';
import { statusData } from './tasks';
import { MODEL, type Submission, type TaskRecord } from './types';
import { validateSubmission } from './validation';

export interface ApiBackend {
	/** Creates (and bills) a task; returns a refusal instead when the key has too many running. */
	submit(owner: string, submission: Submission): { taskId: string } | Reply;
	findTask(taskId: string, owner: string): TaskRecord | undefined;
	balance(): number;
}

export interface ApiRoute {
	endpoint: Endpoint;
	/** The model named in the path of generateTask/statusTask. */
	model?: string;
}

export function routeOf(method: string | undefined, pathname: string): ApiRoute {
	const [, resource, model, extra] = /^\/api\/v1\/(generateTask|statusTask)\/([^/]+)(\/.*)?$/.exec(pathname) ?? [];
	if (resource === 'generateTask' && method === 'POST' && !extra) return { endpoint: 'generate', model };
	if (resource === 'statusTask' && method === 'GET' && !extra) return { endpoint: 'status', model };
	if (pathname === '/api/v1/apikeys/current-balance' && method === 'GET') return { endpoint: 'balance' };
	return { endpoint: 'other' };
}

const modelNotFound = () => envelope(404, null, `Model not found: only ${MODEL} is simulated`);

export async function generate(backend: ApiBackend, route: ApiRoute, request: IncomingMessage, owner: string): Promise<Reply> {
	const text = await readBody(request);
	if (route.model !== MODEL) return modelNotFound();
	if (text === undefined) return badRequest('the body is larger than 1 MB');
	const parsed = parseJson(text);
	if (!parsed.ok) return badRequest('the body is not valid JSON');
	const checked = validateSubmission(parsed.value);
	if (!checked.ok) return badRequest(checked.error);
	const accepted = backend.submit(owner, checked.submission);
	return 'taskId' in accepted ? envelope(200, { taskId: accepted.taskId }) : accepted;
}

export function status(backend: ApiBackend, route: ApiRoute, query: URLSearchParams, owner: string): Reply {
	if (route.model !== MODEL) return modelNotFound();
	const taskId = query.get('taskId');
	if (!taskId) return badRequest('taskId is required');
	const record = backend.findTask(taskId, owner);
	return record ? envelope(200, statusData(record)) : envelope(404, null, `Task not found: ${taskId}`);
}

export function balance(backend: ApiBackend): Reply {
	return envelope(200, { balance: backend.balance() });
}
