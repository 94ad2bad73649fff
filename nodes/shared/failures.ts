// The one rule for "is this failure transient or final?": the client's own retries, a wait's next check (polling
// and the resume of a paused execution), task reuse and the Kling Trigger's confirmation all ask it here.

/** What a request needs so that a retry can be judged safe: a submit sent twice may pay twice. */
export type RequestKind = 'read' | 'submit';

/** When the request would be sent again. */
export type RetryAt =
	/**
	 * The client's own retries, a few seconds apart, within one request. Only what clears in seconds and is safe to
	 * send again: a gateway's 502/504 and a connection failure of unknown cause are reported at once instead.
	 */
	| 'soon'
	/** A wait's next status check (a read, on its own schedule): any connection failure and any 5xx may pass by then. */
	| 'later';

/** What went wrong: the HTTP status APIXO (or a gateway) answered, or the network code when no answer came. */
export interface Failure {
	status?: number;
	networkCode?: string;
}

/**
 * Connection failures where the request certainly never reached the API. Anything else on a submit (a reset, a
 * timeout, a 500) is ambiguous: the task may exist and be billed.
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

export function certainlyNotSent(networkCode: string | undefined): boolean {
	return networkCode !== undefined && NOT_SENT_CODES.has(networkCode);
}

/** Whether the same request, sent again at `at`, may well succeed. 400, 401, 402, 403 and 404 are final. */
export function isTransient({ status, networkCode }: Failure, kind: RequestKind, at: RetryAt): boolean {
	if (status === undefined) {
		if (at === 'later') return true;
		return networkCode !== undefined && TRANSIENT_NETWORK_CODES.has(networkCode) && (kind === 'read' || certainlyNotSent(networkCode));
	}
	if (status === 429 || status === 503) return true;
	// A submit answered 500 may have created the task: sending it again could pay twice.
	if (status === 500) return kind === 'read';
	return at === 'later' && (status === 502 || status === 504);
}

/** The failure an error thrown by the client stands for: its HTTP status, or none for a connection failure or a cancel. */
export function failureOf(error: unknown): Failure {
	const httpCode = (error as { httpCode?: string | null }).httpCode;
	return httpCode === undefined || httpCode === null ? {} : { status: Number(httpCode) };
}

/** A status read that failed for a reason that says nothing about the task: the next check may well succeed. */
export function isTransientRead(error: unknown): boolean {
	return isTransient(failureOf(error), 'read', 'later');
}

/**
 * APIXO answered 404 for the task: it does not know it (for this API key), and never will. The one answer that
 * means "gone" to a wait, a resuming callback and the Kling Trigger's confirmation; any other failure of a status
 * read is asked again.
 */
export function isUnknownTask(error: unknown): boolean {
	return failureOf(error).status === 404;
}

/** The network error code of a failed request (in the error or its causes), if there is one. */
export function networkCodeOf(error: unknown): string | undefined {
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
