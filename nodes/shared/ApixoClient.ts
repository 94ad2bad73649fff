import type { IDataObject, IHttpRequestOptions, IN8nHttpFullResponse, INode } from 'n8n-workflow';

import { httpError, networkError, noBalanceError, noStatusError, noTaskIdError, type Envelope } from './apiErrors';
import type { Clock } from './clock';
import { BALANCE_PATH, STATUS_PATH, SUBMIT_PATH } from './constants';
import { asNodeError } from './errors';
import { certainlyNotSent, isTransient, networkCodeOf, type RequestKind } from './failures';
import type { BudgetShare } from './RequestBudget';
import type { TaskStatus } from './taskResult';

/** Sends one authenticated request; nodes pass n8n's `httpRequestWithAuthentication` bound to `apixoApi`. */
export type SendRequest = (options: IHttpRequestOptions) => Promise<IN8nHttpFullResponse>;

export interface ApixoClientOptions {
	node: INode;
	baseUrl: string;
	/** Who pays: a one-way identity of the base URL and key (see createClient.ts), never the key. */
	account?: string;
	send: SendRequest;
	budget: BudgetShare;
	clock: Clock;
	signal?: AbortSignal;
	/** Retries after a 429, 500, 503 or dropped connection, when retrying is safe. */
	maxRetries?: number;
	/** First backoff step; it doubles per retry (with jitter) up to `maxBackoffMs`. */
	baseBackoffMs?: number;
	maxBackoffMs?: number;
	/** Per-request timeout. */
	requestTimeoutMs?: number;
}

export interface SubmitBody extends IDataObject {
	request_type: 'async' | 'callback';
	callback_url?: string;
	provider: string;
	input: IDataObject;
}

/** Retry-After is either seconds or an HTTP date; APIXO's docs name none, so honour one when present. */
export function parseRetryAfter(value: unknown, now: number): number | undefined {
	if (typeof value !== 'string' && typeof value !== 'number') return undefined;
	const text = String(value).trim();
	if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
	const date = Date.parse(text);
	return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The only place that speaks HTTP to APIXO: Bearer auth (through n8n's credential helper), the shared request
 * budget, retries with exponential backoff and Retry-After for what failures.ts calls transient, and API failures
 * turned into errors that say what to do (apiErrors.ts).
 */
export class ApixoClient {
	/** The credential's base URL, without a trailing slash. */
	readonly baseUrl: string;

	readonly account: string;

	constructor(private readonly options: ApixoClientOptions) {
		this.baseUrl = options.baseUrl.replace(/\/+$/, '');
		this.account = options.account ?? '';
	}

	async submit(body: SubmitBody, itemIndex?: number): Promise<string> {
		const data = await this.request(
			{ method: 'POST', url: SUBMIT_PATH, body },
			'submit',
			{ itemIndex },
		);
		const taskId = (data as { taskId?: unknown } | undefined)?.taskId;
		if (typeof taskId !== 'string' || taskId === '') throw noTaskIdError(this.options.node, itemIndex);
		return taskId;
	}

	/** `signal` abandons this read alone (a wait's deadline); the client's own signal applies as well. */
	async getStatus(taskId: string, itemIndex?: number, signal?: AbortSignal): Promise<TaskStatus> {
		const data = await this.request(
			{ method: 'GET', url: STATUS_PATH, qs: { taskId } },
			'read',
			{ itemIndex, taskId, signal },
		);
		if (!data || typeof data !== 'object') throw noStatusError(this.options.node, taskId, itemIndex);
		return data as TaskStatus;
	}

	async getBalance(itemIndex?: number): Promise<number> {
		const data = await this.request({ method: 'GET', url: BALANCE_PATH }, 'read', { itemIndex });
		// The docs show the balance in USD without fixing the payload's shape: accept a number or an object.
		const raw =
			typeof data === 'object' && data !== null
				? ((data as IDataObject).balance ?? (data as IDataObject).credits ?? (data as IDataObject).amount)
				: data;
		const balance = Number(raw);
		if (raw === undefined || raw === null || Number.isNaN(balance)) {
			throw noBalanceError(this.options.node, itemIndex);
		}
		return balance;
	}

	private async request(
		request: Pick<IHttpRequestOptions, 'method' | 'url' | 'qs' | 'body'>,
		kind: RequestKind,
		context: { itemIndex?: number; taskId?: string; signal?: AbortSignal },
	): Promise<unknown> {
		const { budget, clock } = this.options;
		const own = this.options.signal;
		const signal = context.signal && own ? AbortSignal.any([context.signal, own]) : (context.signal ?? own);
		const maxRetries = this.options.maxRetries ?? 4;
		for (let attempt = 0; ; attempt++) {
			await budget.take(signal);
			let response: IN8nHttpFullResponse;
			try {
				response = await this.options.send({
					...request,
					url: `${this.baseUrl}${request.url}`,
					json: true,
					returnFullResponse: true,
					ignoreHttpStatusErrors: true,
					timeout: this.options.requestTimeoutMs ?? 60_000,
					abortSignal: signal,
				});
			} catch (error) {
				if (signal?.aborted) throw asNodeError(this.options.node, error);
				const code = networkCodeOf(error);
				if (isTransient({ networkCode: code }, kind, 'soon') && attempt < maxRetries) {
					await clock.sleep(this.backoff(attempt), signal);
					continue;
				}
				throw networkError(this.options.node, this.baseUrl, code, kind, certainlyNotSent(code), context.itemIndex);
			}

			const status = response.statusCode;
			const envelope = (typeof response.body === 'object' && response.body !== null ? response.body : {}) as Envelope;
			// Some gateways answer 200 with an error code inside the envelope.
			const effective = status === 200 && typeof envelope.code === 'number' && envelope.code >= 400 ? envelope.code : status;
			if (effective >= 200 && effective < 300) return envelope.data;

			if (isTransient({ status: effective }, kind, 'soon') && attempt < maxRetries) {
				const retryAfter = parseRetryAfter(response.headers?.['retry-after'], clock.now());
				await clock.sleep(retryAfter !== undefined ? Math.min(retryAfter, 120_000) : this.backoff(attempt), signal);
				continue;
			}
			throw httpError(this.options.node, effective, envelope, kind, attempt, context);
		}
	}

	private backoff(attempt: number): number {
		const base = this.options.baseBackoffMs ?? 500;
		const max = this.options.maxBackoffMs ?? 30_000;
		const step = Math.min(max, base * 2 ** attempt);
		return step / 2 + Math.random() * (step / 2);
	}
}
