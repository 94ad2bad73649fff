/**
 * HTTP for the environment and the e2e tests: a fresh connection per request. fetch keeps connections alive,
 * and a request sent on one that n8n closes at the same moment (its keep-alive timeout is 5 s) fails with
 * "other side closed" — a flaky failure after any pause of about that length, such as an `n8n execute` run.
 */
import { request as httpRequest } from 'node:http';

export interface HttpAnswer {
	status: number;
	text: string;
	headers: Record<string, string | string[] | undefined>;
}

export async function http(
	url: string,
	{ method = 'GET', headers = {}, body, timeoutMs = 30_000 }: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
	return await new Promise((resolve, reject) => {
		const outgoing = httpRequest(
			url,
			{ method, agent: false, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) } },
			(response) => {
				const chunks: Buffer[] = [];
				response.on('data', (chunk: Buffer) => chunks.push(chunk));
				response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: response.headers }));
				response.on('error', reject);
			},
		);
		outgoing.setTimeout(timeoutMs, () => outgoing.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs / 1000} s`)));
		outgoing.on('error', reject);
		outgoing.end(body);
	});
}
