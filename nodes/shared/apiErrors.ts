import type { INode, JsonObject } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import type { RequestKind } from './failures';
import { hostForMessages } from './hosts';

// What each failure of a request to APIXO means to the person running the workflow: what happened, and what to
// do next. Built from the status and the API's own message only: the API key never reaches an error.

/** APIXO's answer: `{ code, message, data }`. */
export interface Envelope {
	code?: number;
	message?: string;
	data?: unknown;
}

interface Details {
	message: string;
	description: string;
	itemIndex?: number;
}

function apiError(node: INode, status: number, details: Details): NodeApiError {
	// n8n's UX guidelines: an error an item caused ends with [item X].
	const message = details.itemIndex === undefined ? details.message : `${details.message} [item ${details.itemIndex}]`;
	const response: JsonObject = { message };
	if (status) response.httpCode = String(status);
	return new NodeApiError(node, response, {
		message,
		description: details.description,
		httpCode: status ? String(status) : undefined,
		itemIndex: details.itemIndex,
	});
}

function apiReasonOf(envelope: Envelope): string | undefined {
	const data = envelope.data as { error?: unknown } | undefined;
	if (data && typeof data.error === 'string' && data.error) return data.error;
	if (typeof envelope.message === 'string' && envelope.message && envelope.message !== 'success') return envelope.message;
	return undefined;
}

/** A failure status, after `attempt` retries. */
export function httpError(
	node: INode,
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
			return apiError(node, status, {
				message: `APIXO rejected the request: ${apiReason ?? 'bad parameters'}`,
				description: 'Correct the field the message names and run again.',
				itemIndex,
			});
		case 401:
			return apiError(node, status, {
				message: 'APIXO did not accept the API key',
				description: 'Check the APIXO API credential: the key may be mistyped, revoked or missing.',
				itemIndex,
			});
		case 402:
			return apiError(node, status, {
				message: `The APIXO balance is too low${apiReason ? `: ${apiReason}` : ''}`,
				description:
					kind === 'submit'
						? 'Top up your APIXO balance, then run again. This task was not created.'
						: 'Top up your APIXO balance, then run again.',
				itemIndex,
			});
		case 403:
			return apiError(node, status, {
				message: `APIXO refused the request (403)${apiReason ? `: ${apiReason}` : ''}`,
				description:
					'APIXO answers 403 when the content violates its policy (change the prompt or images) or when the API key lacks permission (check in your APIXO dashboard that this key may use Kling 2.5 Turbo Pro).',
				itemIndex,
			});
		case 404:
			return apiError(node, status, {
				message: taskId ? `APIXO does not know task ${taskId}` : 'APIXO could not find what was asked for',
				description: taskId
					? 'Check the task ID. A task is only visible to the API key that created it.'
					: 'Check the Base URL of the APIXO API credential.',
				itemIndex,
			});
		case 429:
			return apiError(node, status, {
				message: `APIXO's rate limit was reached${retried}`,
				description: 'Lower "Requests per Minute" or "Concurrency" in the node options, or run again later.',
				itemIndex,
			});
		case 500:
			return apiError(node, status, {
				message: `APIXO's server could not handle the request${retried}`,
				description:
					kind === 'submit'
						? 'A task may have been created and billed: check your APIXO dashboard before running again.'
						: 'Run again in a few seconds.',
				itemIndex,
			});
		case 503:
			return apiError(node, status, {
				message: `Kling 2.5 Turbo Pro is temporarily unavailable on APIXO${retried}`,
				description: 'Run again later.',
				itemIndex,
			});
		default:
			return apiError(node, status, {
				message: `APIXO answered with HTTP ${status}${apiReason ? `: ${apiReason}` : ''}`,
				description:
					kind === 'submit'
						? 'A task may have been created: check your APIXO dashboard before running again.'
						: 'Run again later.',
				itemIndex,
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

/** No answer from APIXO at `baseUrl`. */
export function networkError(
	node: INode,
	baseUrl: string,
	code: string | undefined,
	kind: RequestKind,
	certainlyNotSent: boolean,
	itemIndex?: number,
): NodeApiError {
	return apiError(node, 0, {
		message: `Could not reach APIXO at ${hostForMessages(baseUrl)}: ${describeNetworkCode(code)}`,
		description:
			kind === 'submit' && !certainlyNotSent
				? 'The connection failed after the request was sent, so a task may have been created and billed. Check your APIXO dashboard before running again.'
				: 'Check the Base URL of the APIXO API credential and this n8n\'s network access.',
		itemIndex,
	});
}

/** A submit answered 200 without a task ID. */
export function noTaskIdError(node: INode, itemIndex?: number): NodeApiError {
	return apiError(node, 200, {
		message: 'APIXO accepted the request but returned no task ID',
		description: 'A task may have been created. Check your APIXO dashboard before submitting again.',
		itemIndex,
	});
}

/** A status read answered 200 without a status. */
export function noStatusError(node: INode, taskId: string, itemIndex?: number): NodeApiError {
	return apiError(node, 200, { message: `APIXO returned no status for task ${taskId}`, description: 'Try again in a moment.', itemIndex });
}

/** A balance read answered 200 without a balance. */
export function noBalanceError(node: INode, itemIndex?: number): NodeApiError {
	return apiError(node, 200, { message: 'APIXO returned no balance', description: 'Try again in a moment.', itemIndex });
}
