import type { IDataObject, IHttpRequestOptions, IN8nHttpFullResponse, INode, JsonObject } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import type { Clock } from './clock';
import { BALANCE_PATH, STATUS_PATH, SUBMIT_PATH } from './constants';
import type { BudgetShare } from './RequestBudget';
import type { TaskStatus } from './taskResult';
import { asNodeError } from './errors';

/** Sends one authenticated request; nodes pass n8n's `httpRequestWithAuthentication` bound to `apixoApi`. */
export type SendRequest = (options: IHttpRequestOptions) => Promise<IN8nHttpFullResponse>;

export interface ApixoClientOptions {
	node: INode;
	baseUrl: string;
	/** Who pays: a one-way identity of the base URL and key (see taskLedger.ts), never the key. */
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

interface Envelope {
	code?: number;
	message?: string;
	data?: unknown;
}

/** What a request needs so the client can decide whether a retry is safe. */
type RequestKind = 'read' | 'submit';

/**
 * Connection failures where the request certainly never reached the API. Anything else on a submit
 * (a reset, a timeout, a 500) is ambiguous: the task may exist and be billed.
 */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const TRANSIENT_NETWORK_CODES = new Set([
	...NOT_SENT_CODES,
	'ECONNRESET',
	'ETIMEDOUT',
	'ECONNABORTED',
	'EPIPE',
	'ESOCKETTIMEDOUT',
	'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/** Retry-After is either seconds or an HTTP date; APIXO's docs name none, so honour one when present. */
export function parseRetryAfter(value: unknown, now: number): number | undefined {
	if (typeof value !== 'string' && typeof value !== 'number') return undefined;
	const text = String(value).trim();
	if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
	const date = Date.parse(text);
	return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function networkCode(error: unknown): string | undefined {
	let current: unknown = error;
	for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
		const { code } = current as { code?: unknown };
		if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
		current = (current as { cause?: unknown }).cause;
	}
	const message = error instanceof Error ? error.message : '';
	if (/socket hang up/i.test(message)) return 'ECONNRESET';
	return undefined;
}

/**
 * The only place that speaks HTTP to APIXO: Bearer auth (through n8n's credential helper), the shared request
 * budget, retries with exponential backoff and Retry-After, and API failures turned into errors that say what
 * to do. The API key never reaches an error: errors are built from the status and the API's own message only.
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
		if (typeof taskId !== 'string' || taskId === '') {
			throw this.error(200, {
				message: 'APIXO accepted the request but returned no task ID',
				description:
					'A task may have been created. Check your APIXO dashboard before submitting again.',
				itemIndex,
			});
		}
		return taskId;
	}

	/** `signal` abandons this read alone (a wait's deadline); the client's own signal applies as well. */
	async getStatus(taskId: string, itemIndex?: number, signal?: AbortSignal): Promise<TaskStatus> {
		const data = await this.request(
			{ method: 'GET', url: STATUS_PATH, qs: { taskId } },
			'read',
			{ itemIndex, taskId, signal },
		);
		if (!data || typeof data !== 'object') {
			throw this.error(200, {
				message: `APIXO returned no status for task ${taskId}`,
				description: 'Try again in a moment.',
				itemIndex,
			});
		}
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
			throw this.error(200, { message: 'APIXO returned no balance', description: 'Try again in a moment.', itemIndex });
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
				const code = networkCode(error);
				const certainlyNotSent = code !== undefined && NOT_SENT_CODES.has(code);
				const retryable =
					code !== undefined &&
					TRANSIENT_NETWORK_CODES.has(code) &&
					(kind === 'read' || certainlyNotSent);
				if (retryable && attempt < maxRetries) {
					await clock.sleep(this.backoff(attempt), signal);
					continue;
				}
				throw this.networkError(code, kind, certainlyNotSent, context.itemIndex);
			}

			const status = response.statusCode;
			const envelope = (typeof response.body === 'object' && response.body !== null ? response.body : {}) as Envelope;
			// Some gateways answer 200 with an error code inside the envelope.
			const effective = status === 200 && typeof envelope.code === 'number' && envelope.code >= 400 ? envelope.code : status;
			if (effective >= 200 && effective < 300) return envelope.data;

			const retryable = effective === 429 || effective === 503 || (effective === 500 && kind === 'read');
			if (retryable && attempt < maxRetries) {
				const retryAfter = parseRetryAfter(response.headers?.['retry-after'], clock.now());
				await clock.sleep(retryAfter !== undefined ? Math.min(retryAfter, 120_000) : this.backoff(attempt), signal);
				continue;
			}
			throw this.httpError(effective, envelope, kind, attempt, context);
		}
	}

	private backoff(attempt: number): number {
		const base = this.options.baseBackoffMs ?? 500;
		const max = this.options.maxBackoffMs ?? 30_000;
		const step = Math.min(max, base * 2 ** attempt);
		return step / 2 + Math.random() * (step / 2);
	}

	private httpError(
		status: number,
		envelope: Envelope,
		kind: RequestKind,
		attempt: number,
		context: { itemIndex?: number; taskId?: string },
	): NodeApiError {
		const { itemIndex, taskId } = context;
		const apiReason = apiReasonOf(envelope);
		const retried = attempt > 0 ? ` (after ${attempt} ${attempt === 1 ? 'retry' : 'retries'})` : '';
		switch (status) {
			case 400:
				return this.error(status, {
					message: `APIXO rejected the request: ${apiReason ?? 'bad parameters'}`,
					description: 'Correct the field the message names and run again.',
					itemIndex,
				});
			case 401:
				return this.error(status, {
					message: 'APIXO did not accept the API key',
					description: 'Check the APIXO API credential: the key may be mistyped, revoked or missing.',
					itemIndex,
				});
			case 402:
				return this.error(status, {
					message: `The APIXO balance is too low${apiReason ? `: ${apiReason}` : ''}`,
					description:
						kind === 'submit'
							? 'Top up your APIXO balance, then run again. This task was not created.'
							: 'Top up your APIXO balance, then run again.',
					itemIndex,
				});
			case 403:
				return this.error(status, {
					message: `APIXO refused the request (403)${apiReason ? `: ${apiReason}` : ''}`,
					description:
						'APIXO answers 403 when the content violates its policy (change the prompt or images) or when the API key lacks permission (check in your APIXO dashboard that this key may use Kling 2.5 Turbo Pro).',
					itemIndex,
				});
			case 404:
				return this.error(status, {
					message: taskId ? `APIXO does not know task ${taskId}` : 'APIXO could not find what was asked for',
					description: taskId
						? 'Check the task ID. A task is only visible to the API key that created it.'
						: 'Check the Base URL of the APIXO API credential.',
					itemIndex,
				});
			case 429:
				return this.error(status, {
					message: `APIXO's rate limit was reached${retried}`,
					description: 'Lower "Requests per Minute" or "Concurrency" in the node options, or run again later.',
					itemIndex,
				});
			case 500:
				return this.error(status, {
					message: `APIXO had a server error${retried}`,
					description:
						kind === 'submit'
							? 'A task may have been created and billed: check your APIXO dashboard before running again.'
							: 'Run again in a few seconds.',
					itemIndex,
				});
			case 503:
				return this.error(status, {
					message: `Kling 2.5 Turbo Pro is temporarily unavailable on APIXO${retried}`,
					description: 'Run again later.',
					itemIndex,
				});
			default:
				return this.error(status, {
					message: `APIXO answered with HTTP ${status}${apiReason ? `: ${apiReason}` : ''}`,
					description:
						kind === 'submit'
							? 'A task may have been created: check your APIXO dashboard before running again.'
							: 'Run again later.',
					itemIndex,
				});
		}
	}

	private networkError(
		code: string | undefined,
		kind: RequestKind,
		certainlyNotSent: boolean,
		itemIndex?: number,
	): NodeApiError {
		const host = safeHost(this.baseUrl);
		return this.error(0, {
			message: `Could not reach APIXO at ${host}: ${describeNetworkCode(code)}`,
			description:
				kind === 'submit' && !certainlyNotSent
					? 'The connection failed after the request was sent, so a task may have been created and billed. Check your APIXO dashboard before running again.'
					: 'Check the Base URL of the APIXO API credential and this n8n\'s network access.',
			itemIndex,
		});
	}

	private error(
		status: number,
		details: { message: string; description: string; itemIndex?: number },
	): NodeApiError {
		const response: JsonObject = { message: details.message };
		if (status) response.httpCode = String(status);
		return new NodeApiError(this.options.node, response, {
			message: details.message,
			description: details.description,
			httpCode: status ? String(status) : undefined,
			itemIndex: details.itemIndex,
		});
	}
}

/** Words, not codes: n8n replaces a message that contains a code such as ECONNREFUSED with a generic one. */
function describeNetworkCode(code: string | undefined): string {
	switch (code) {
		case 'ECONNREFUSED':
			return 'the connection was refused';
		case 'ECONNRESET':
		case 'EPIPE':
			return 'the connection was dropped';
		case 'ETIMEDOUT':
		case 'ESOCKETTIMEDOUT':
		case 'ECONNABORTED':
		case 'ERR_SOCKET_CONNECTION_TIMEOUT':
			return 'the request timed out';
		case 'ENOTFOUND':
		case 'EAI_AGAIN':
			return 'the host name could not be resolved';
		default:
			return 'the connection failed';
	}
}

function apiReasonOf(envelope: Envelope): string | undefined {
	const data = envelope.data as { error?: unknown } | undefined;
	if (data && typeof data.error === 'string' && data.error) return data.error;
	if (typeof envelope.message === 'string' && envelope.message && envelope.message !== 'success') return envelope.message;
	return undefined;
}

export function safeHost(url: string): string {
	try {
		return new URL(url).host;
	} catch {
		return 'the configured address';
	}
}
