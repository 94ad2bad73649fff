import type { IExecuteFunctions, IWebhookFunctions } from 'n8n-workflow';

import { ApixoClient } from './ApixoClient';
import { systemClock, type Clock } from './clock';
import { API_REQUESTS_PER_MINUTE, DEFAULT_BASE_URL } from './constants';
import { sharedBudget } from './RequestBudget';
import { accountOf } from './taskLedger';

type ApiContext = IExecuteFunctions | IWebhookFunctions;

export interface ClientSettings {
	requestsPerMinute?: number;
	signal?: AbortSignal;
	clock?: Clock;
	/** Retries of one request (default: the client's). */
	maxRetries?: number;
	/** Per-request timeout (default: the client's). */
	requestTimeoutMs?: number;
}

/** Builds the APIXO client for a node context: the credential's base URL, auth through n8n, the shared budget. */
export async function createClient(context: ApiContext, settings: ClientSettings = {}): Promise<ApixoClient> {
	const credentials = await context.getCredentials<{ apiKey?: string; baseUrl?: string }>('apixoApi');
	const baseUrl = (credentials.baseUrl || DEFAULT_BASE_URL).trim();
	const clock = settings.clock ?? systemClock;
	const requestsPerMinute = settings.requestsPerMinute ?? API_REQUESTS_PER_MINUTE;
	const account = accountOf(baseUrl, credentials.apiKey ?? '');
	return new ApixoClient({
		node: context.getNode(),
		baseUrl,
		account,
		clock,
		signal: settings.signal,
		maxRetries: settings.maxRetries,
		requestTimeoutMs: settings.requestTimeoutMs,
		budget: sharedBudget(account, requestsPerMinute, clock),
		send: async (options) =>
			await context.helpers.httpRequestWithAuthentication.call(context, 'apixoApi', options),
	});
}
