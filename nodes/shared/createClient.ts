import type { ICredentialDataDecryptedObject, IExecuteFunctions, IWebhookFunctions } from 'n8n-workflow';

import { ApixoClient } from './ApixoClient';
import { BoundedCache } from './boundedCache';
import { systemClock, type Clock } from './clock';
import { API_REQUESTS_PER_MINUTE, DEFAULT_BASE_URL } from './constants';
import { sha256 } from './hash';
import { sharedBudget } from './RequestBudget';

type ApiContext = IExecuteFunctions | IWebhookFunctions;

/** What n8n returns for `apixoApi`: `apiKey` and `baseUrl` (either may be missing from an older stored credential). */
type ApixoCredentials = ICredentialDataDecryptedObject & { apiKey?: string; baseUrl?: string };

export interface ClientSettings {
	requestsPerMinute?: number;
	signal?: AbortSignal;
	clock?: Clock;
	/** Retries of one request (default: the client's). */
	maxRetries?: number;
	/** Per-request timeout (default: the client's). */
	requestTimeoutMs?: number;
	/**
	 * For webhook calls: share one read of the credential with the node's other calls of the last few seconds
	 * (see `readCredentials`).
	 */
	shareCredentialRead?: boolean;
}

/**
 * How long one read of the credential serves a node's webhook calls. Each read is a query on n8n's database and a
 * decryption; a burst of callbacks would otherwise make one per callback while the database pool is at its
 * busiest. A credential edited in n8n applies to callbacks at most this much later.
 */
export const CREDENTIAL_SHARE_MS = 5_000;

const sharedReads = new BoundedCache<string, Promise<ApixoCredentials>>({ ttlMs: CREDENTIAL_SHARE_MS, clock: systemClock });

/** Reads `apixoApi`; with `share`, one read (under way or done within CREDENTIAL_SHARE_MS) serves the node's calls. */
async function readCredentials(context: ApiContext, share: boolean): Promise<ApixoCredentials> {
	const read = async () => await context.getCredentials<ApixoCredentials>('apixoApi');
	if (!share) return await read();
	const node = context.getNode();
	// The workflow, the node and the credential it names: choosing another credential applies at once.
	const key = [context.getWorkflow().id, node.id, node.credentials?.apixoApi?.id ?? ''].join('\u0000');
	const now = systemClock.now();
	const shared = sharedReads.get(key, now);
	if (shared) return await shared;
	const fresh = read();
	sharedReads.set(key, fresh, now);
	// A failed read is not shared: the next call reads again.
	fresh.catch(() => {
		if (sharedReads.get(key) === fresh) sharedReads.delete(key);
	});
	return await fresh;
}

/** Who pays: the API's address and a one-way hash of the key, never the key itself. */
export function accountOf(baseUrl: string, apiKey: string): string {
	return sha256(`apixo-kling account|${baseUrl}|${apiKey}`).toString('hex').slice(0, 24);
}

/**
 * Builds the APIXO client for a node context: the credential's base URL, auth through n8n (the credential type's
 * `authenticate`), the shared budget. The credential is read once per client and handed to every request: without
 * it, n8n's `httpRequestWithAuthentication` reads and decrypts it from the database again for each one.
 */
export async function createClient(context: ApiContext, settings: ClientSettings = {}): Promise<ApixoClient> {
	const credentials = await readCredentials(context, settings.shareCredentialRead === true);
	const baseUrl = (credentials.baseUrl || DEFAULT_BASE_URL).trim();
	const clock = settings.clock ?? systemClock;
	const requestsPerMinute = settings.requestsPerMinute ?? API_REQUESTS_PER_MINUTE;
	const account = accountOf(baseUrl, credentials.apiKey ?? '');
	const node = context.getNode();
	const { id, name = '' } = node.credentials?.apixoApi ?? {};
	const credentialsDecrypted = { id: id ?? '', name, type: 'apixoApi', data: credentials };
	return new ApixoClient({
		node,
		baseUrl,
		account,
		clock,
		signal: settings.signal,
		maxRetries: settings.maxRetries,
		requestTimeoutMs: settings.requestTimeoutMs,
		budget: sharedBudget(account, requestsPerMinute, clock),
		send: async (options) =>
			await context.helpers.httpRequestWithAuthentication.call(context, 'apixoApi', options, { credentialsDecrypted }),
	});
}
