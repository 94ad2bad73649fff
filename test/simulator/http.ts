/** Small HTTP helpers: APIXO's response envelope and reading request bodies. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A response decided by a handler, written (or, under a reset fault, withheld) by the dispatcher. */
export interface Reply {
	status: number;
	body: unknown;
	headers?: Record<string, string>;
}

const STATUS_MESSAGES: Record<number, string> = {
	200: 'success',
	400: 'Bad Request',
	401: 'Invalid or missing API key',
	402: 'Insufficient balance: please top up your account',
	403: 'Forbidden: this API key lacks permission',
	404: 'Not Found',
	429: 'Too Many Requests',
	500: 'Internal Server Error',
	503: 'Service Unavailable: the model is temporarily unavailable',
};

/** Every APIXO JSON answer is `{ code, message, data }`, and code equals the HTTP status. */
export function envelope(status: number, data: unknown = null, message = STATUS_MESSAGES[status] ?? 'Error'): Reply {
	return { status, body: { code: status, message, data } };
}

export function badRequest(error: string): Reply {
	return envelope(400, { error });
}

export function writeReply(res: ServerResponse, reply: Reply): void {
	const isText = typeof reply.body === 'string';
	const payload = isText ? (reply.body as string) : JSON.stringify(reply.body);
	res.writeHead(reply.status, {
		'Content-Type': isText ? 'text/plain; charset=utf-8' : 'application/json',
		'Content-Length': Buffer.byteLength(payload),
		...reply.headers,
	});
	res.end(payload);
}

const MAX_BODY_BYTES = 1024 * 1024;

/** Reads the whole body; resolves undefined when it is over 1 MB (a submit is a few hundred bytes). */
export async function readBody(req: IncomingMessage): Promise<string | undefined> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of req as AsyncIterable<Buffer>) {
		size += chunk.length;
		if (size <= MAX_BODY_BYTES) chunks.push(chunk);
	}
	return size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8');
}

/** Parses JSON, telling "no valid JSON" apart from a JSON null. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
	try {
		return { ok: true, value: JSON.parse(text) };
	} catch {
		return { ok: false };
	}
}
