/**
 * A stand-in for an OpenAI-compatible chat model: a real HTTP server on 127.0.0.1 that n8n's OpenAI Chat Model
 * node talks to when its `openAiApi` credential's Base URL points here. No model and no network: the answers
 * come from model.ts. Tests read what n8n sent (the tools offered and their schemas) from /__llm/requests.
 *
 *   GET  /v1/models             the model list (n8n's credential test and model picker call it)
 *   POST /v1/chat/completions   a chat completion, JSON or, with `stream: true`, server-sent events
 *   GET  /__llm/requests        every chat request so far with the answer given: [{ at, body, reply }]
 *   POST /__llm/reset           forget them
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseJson, readBody, writeReply } from '../simulator/http';
import { respond, type AssistantMessage, type ChatRequest } from './model';

export interface ChatModelOptions {
	port?: number;
	/** When set, requests must carry `Authorization: Bearer <apiKey>`, as OpenAI requires. */
	apiKey?: string;
	/** The ids /v1/models lists; any model name is answered. */
	models?: string[];
}

export interface RecordedChat {
	at: string;
	body: ChatRequest;
	reply: AssistantMessage;
}

export interface ChatModel {
	/** The Base URL for the credential: `http://127.0.0.1:<port>/v1`. */
	url: string;
	requests(): RecordedChat[];
	reset(): void;
	close(): Promise<void>;
}

const DEFAULT_MODELS = ['gpt-4.1-mini', 'gpt-4o-mini'];

function openAiError(response: ServerResponse, status: number, message: string, code: string): void {
	writeReply(response, { status, body: { error: { message, type: 'invalid_request_error', param: null, code } } });
}

/** The same answer as server-sent events, the way OpenAI streams it: role, content or tool calls, finish, usage. */
function writeStream(response: ServerResponse, base: Record<string, unknown>, reply: AssistantMessage, finish: string, usage: unknown): void {
	response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
	const send = (choices: unknown[], extra: Record<string, unknown> = {}) =>
		response.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices, ...extra })}\n\n`);
	const delta = reply.tool_calls
		? { role: 'assistant', content: null, tool_calls: reply.tool_calls.map((call, index) => ({ index, ...call })) }
		: { role: 'assistant', content: reply.content };
	send([{ index: 0, delta, logprobs: null, finish_reason: null }]);
	send([{ index: 0, delta: {}, logprobs: null, finish_reason: finish }]);
	send([], { usage });
	response.end('data: [DONE]\n\n');
}

export async function startChatModel(options: ChatModelOptions = {}): Promise<ChatModel> {
	const models = options.models ?? DEFAULT_MODELS;
	let recorded: RecordedChat[] = [];
	let calls = 0;
	let completions = 0;
	const reset = () => {
		recorded = [];
	};

	const handle = async (request: IncomingMessage, response: ServerResponse) => {
		const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname.replace(/\/+$/, '');
		if (path === '/__llm/requests' && request.method === 'GET') return writeReply(response, { status: 200, body: recorded });
		if (path === '/__llm/reset' && request.method === 'POST') {
			reset();
			return writeReply(response, { status: 200, body: { ok: true } });
		}
		if (options.apiKey && request.headers.authorization !== `Bearer ${options.apiKey}`) {
			return openAiError(response, 401, 'Incorrect API key provided.', 'invalid_api_key');
		}
		if (path === '/v1/models' && request.method === 'GET') {
			const data = models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'local-stand-in' }));
			return writeReply(response, { status: 200, body: { object: 'list', data } });
		}
		if (path !== '/v1/chat/completions' || request.method !== 'POST') {
			return openAiError(response, 404, `Unknown request URL: ${request.method} ${path}`, 'unknown_url');
		}
		const text = await readBody(request);
		const parsed = text === undefined ? { ok: false as const } : parseJson(text);
		const body = (parsed.ok ? parsed.value : undefined) as ChatRequest | undefined;
		if (typeof body !== 'object' || body === null || !Array.isArray(body.messages)) {
			return openAiError(response, 400, 'The body must be JSON with a "messages" array.', 'invalid_body');
		}
		const reply = respond(body, () => `call_${++calls}`);
		recorded.push({ at: new Date().toISOString(), body, reply });
		const base = { id: `chatcmpl-${++completions}`, created: Math.floor(Date.now() / 1000), model: body.model ?? models[0] };
		const finish = reply.tool_calls ? 'tool_calls' : 'stop';
		const usage = { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 };
		if (body.stream) return writeStream(response, base, reply, finish, usage);
		writeReply(response, {
			status: 200,
			body: { ...base, object: 'chat.completion', choices: [{ index: 0, message: reply, logprobs: null, finish_reason: finish }], usage },
		});
	};

	const server = http.createServer((request, response) => {
		handle(request, response).catch((error: unknown) => {
			if (!response.headersSent) openAiError(response, 500, (error as Error).message, 'server_error');
			else response.end();
		});
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
	});
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/v1`,
		requests: () => recorded,
		reset,
		async close() {
			const closed = new Promise<void>((resolve) => server.close(() => resolve()));
			server.closeAllConnections();
			await closed;
		},
	};
}
