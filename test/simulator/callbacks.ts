/**
 * Callback delivery as APIXO's docs describe it: POST the status envelope to callback_url; anything
 * but a 200 within the timeout is retried up to 3 times with growing delays, so a receiver may see
 * the same callback more than once.
 */
import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallbackDelivery, StatusData } from './types';

export interface PostResult {
	/** 0 when no HTTP answer came (network error, timeout). */
	status: number;
	body: string;
	error?: string;
}

export interface CallbackSettings {
	timeoutMs: number;
	retryDelaysMs: number[];
	timeScale: number;
}

/** The path and query exactly as written: `new URL` would re-encode some characters of a query. */
function rawPathOf(url: string): string {
	const rest = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^#]*)/i.exec(url)?.[1] ?? '';
	return rest.startsWith('/') ? rest : `/${rest}`;
}

export function postJson(url: string, payload: unknown, timeoutMs: number, signal: AbortSignal): Promise<PostResult> {
	return new Promise((resolve) => {
		const body = JSON.stringify(payload);
		let timer: NodeJS.Timeout | undefined;
		const done = (result: PostResult) => {
			clearTimeout(timer);
			resolve(result);
		};
		try {
			const target = new URL(url);
			const client = target.protocol === 'https:' ? https : http;
			const request = client.request(
				{
					protocol: target.protocol,
					hostname: target.hostname.replace(/^\[|\]$/g, ''),
					port: target.port,
					path: rawPathOf(url),
					method: 'POST',
					headers: {
						'Content-Type': 'application/json',
						'Content-Length': Buffer.byteLength(body),
						'User-Agent': 'apixo-simulator',
					},
					signal,
				},
				(response) => {
					const chunks: Buffer[] = [];
					response.on('data', (chunk: Buffer) => chunks.push(chunk));
					response.on('end', () => done({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
					response.on('error', (error) => done({ status: 0, body: '', error: error.message }));
				},
			);
			timer = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
			request.on('error', (error) => done({ status: 0, body: '', error: error.message }));
			request.end(body);
		} catch (error) {
			done({ status: 0, body: '', error: (error as Error).message });
		}
	});
}

export class CallbackSender {
	/** Aborted by cancelAll(): stops in-flight POSTs and pending retries of the tasks forgotten. */
	private controller = new AbortController();

	constructor(
		private readonly settings: () => CallbackSettings,
		private readonly record: (delivery: CallbackDelivery) => void,
	) {}

	/** One POST of `{code: 200, message: 'success', data}`, recorded in the stats. */
	async post(taskId: string, url: string, data: Record<string, unknown>, attempt: number, signal = this.controller.signal): Promise<PostResult> {
		const at = Date.now();
		const envelope = { code: 200, message: 'success', data };
		const result = await postJson(url, envelope, this.settings().timeoutMs, signal);
		if (!signal.aborted) {
			this.record({ taskId, url, attempt, status: result.status, at, ...(result.error && { error: result.error }) });
		}
		return result;
	}

	/** The callback of an ended task: retried until answered 200, then `dup` extra deliveries ([sim:dup]). */
	async deliverFinal(taskId: string, url: string, data: StatusData, dup: number): Promise<void> {
		const signal = this.controller.signal;
		const payload = { ...data };
		try {
			let attempt = 1;
			let result = await this.post(taskId, url, payload, attempt, signal);
			while (result.status !== 200 && attempt <= this.settings().retryDelaysMs.length) {
				await this.pause(attempt - 1, signal);
				attempt++;
				result = await this.post(taskId, url, payload, attempt, signal);
			}
			if (result.status !== 200) return;
			for (let extra = 0; extra < dup; extra++) {
				await this.pause(extra, signal);
				attempt++;
				await this.post(taskId, url, payload, attempt, signal);
			}
		} catch (error) {
			if (!signal.aborted) throw error;
		}
	}

	cancelAll(): void {
		this.controller.abort();
		this.controller = new AbortController();
	}

	/** The retry delay of step `index` (the last one repeats), scaled; unref'd so it never holds a process open. */
	private pause(index: number, signal: AbortSignal): Promise<void> {
		const { retryDelaysMs, timeScale } = this.settings();
		const base = retryDelaysMs[Math.min(index, retryDelaysMs.length - 1)] ?? 0;
		return sleep(base * timeScale, undefined, { signal, ref: false });
	}
}
