/**
 * /__sim/… : the programmatic API over HTTP, for processes that only see the simulator's URL
 * (e2e tests against a real n8n, benchmarks, the CLI). No auth: it only listens on 127.0.0.1.
 * Answers are plain JSON, not APIXO envelopes, so they are never mistaken for the API.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { faultProblem } from './faults';
import { parseJson, readBody, writeReply, type Reply } from './http';
import type { Fault, Simulator, SimulatorConfigChange } from './types';

const json = (body: unknown, status = 200): Reply => ({ status, body });
const problem = (error: string, status = 400): Reply => json({ error }, status);

/** The request's JSON body; an empty body reads as {}. */
async function readJson(request: IncomingMessage): Promise<{ ok: true; value: unknown } | { ok: false; reply: Reply }> {
	const text = await readBody(request);
	if (text === undefined) return { ok: false, reply: problem('body larger than 1 MB') };
	if (text.trim() === '') return { ok: true, value: {} };
	const parsed = parseJson(text);
	return parsed.ok ? parsed : { ok: false, reply: problem('body is not valid JSON') };
}

async function route(simulator: Simulator, request: IncomingMessage, url: URL): Promise<Reply> {
	const [, action, taskId] = url.pathname.split('/').slice(1);
	const method = request.method;

	if (method === 'GET' && action === 'stats') return json(simulator.stats());
	if (method === 'GET' && action === 'tasks' && !taskId) return json(simulator.tasks());
	if (method === 'GET' && action === 'tasks') {
		const task = simulator.task(taskId);
		if (!task) return problem(`unknown task ${taskId}`, 404);
		return json({ ...task, fileSha256: task.state === 'success' ? simulator.fileSha256(task.taskId) : null });
	}
	if (method !== 'POST') return problem(`no such control endpoint: ${method} ${url.pathname}`, 404);

	const read = await readJson(request);
	if (!read.ok) return read.reply;
	const body = read.value;
	const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
	switch (action) {
		case 'reset':
			simulator.reset();
			return json({ ok: true });
		case 'faults': {
			const faults = (Array.isArray(body) ? body : [body]) as unknown[];
			for (const fault of faults) {
				const why = faultProblem(fault);
				if (why) return problem(why);
			}
			faults.forEach((fault) => simulator.injectFault(fault as Fault));
			return json({ ok: true, queued: faults.length });
		}
		case 'config':
			simulator.configure(fields as SimulatorConfigChange);
			return json({ ok: true });
		case 'complete': {
			if (!simulator.task(taskId ?? '')) return problem(`unknown task ${taskId}`, 404);
			const { outcome = 'success' } = fields;
			if (outcome !== 'success' && outcome !== 'failed') return problem("outcome must be 'success' or 'failed'");
			simulator.completeNow(taskId, outcome);
			return json(simulator.task(taskId));
		}
		case 'callback': {
			const { url: callbackUrl, data } = fields as { url?: string; data?: Record<string, unknown> };
			return json(await simulator.sendCallback(taskId ?? '', { url: callbackUrl, data }));
		}
		default:
			return problem(`no such control endpoint: POST ${url.pathname}`, 404);
	}
}

export async function handleControl(simulator: Simulator, request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
	let reply: Reply;
	try {
		reply = await route(simulator, request, url);
	} catch (error) {
		// Bad input to configure/sendCallback throws with a message meant for the caller.
		reply = problem((error as Error).message);
	}
	writeReply(response, reply);
}
