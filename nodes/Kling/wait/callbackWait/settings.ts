import type { IExecuteFunctions, IWebhookFunctions } from 'n8n-workflow';

import { executionStore } from '../../../shared/compat';
import type { ResultSettings } from '../../endedTasks';

// The node's options as they were at submit, kept with the paused execution for every callback that resumes it.

const SETTINGS_KEY = 'klingCallbackWait';

/**
 * How long the callback of the task that ended last has to resume the execution before the callback of the task
 * that ended last but one takes over (see resumeDecision.ts). APIXO counts a callback not answered within 30 s
 * as failed; twice that leaves a resume under way time to finish, so that two callbacks never both resume. A
 * quarter of the wait limit when that is shorter, so that the take-over comes well before the limit.
 */
const TAKE_OVER_AFTER_MS = 60_000;

export interface StoredSettings {
	download: boolean;
	binaryPropertyName: string;
	requestsPerMinute: number;
	concurrency: number;
	takeOverAfterMs: number;
}

/** What `webhook()` needs of the node's options. */
export interface CallbackWaitOptions {
	results: ResultSettings;
	requestsPerMinute: number;
	schedule: { concurrency: number; timeoutMs: number };
}

function settingsOf(options: CallbackWaitOptions): StoredSettings {
	return {
		download: options.results.downloadVideo,
		binaryPropertyName: options.results.binaryPropertyName.slice(0, 200),
		requestsPerMinute: options.requestsPerMinute,
		concurrency: options.schedule.concurrency,
		takeOverAfterMs: Math.round(Math.min(TAKE_OVER_AFTER_MS, options.schedule.timeoutMs / 4)),
	};
}

/**
 * Keeps the options as they were at submit with the execution, for `webhook()`. Where this n8n keeps nothing
 * (n8n 1.123's expressions accept the write and drop it), `webhook()` reads the node's options itself.
 */
export function prepareCallbackWait(context: IExecuteFunctions, options: CallbackWaitOptions): void {
	try {
		executionStore(context).set(SETTINGS_KEY, JSON.stringify(settingsOf(options)));
	} catch (error) {
		// Not fatal: readSettings() then reads the node's options.
		context.logger?.debug(`Kling: the callback wait's options could not be kept with the execution (${String(error)}); callbacks read the node's options`);
	}
}

export function readSettings(context: IWebhookFunctions, fromParameters: () => CallbackWaitOptions): StoredSettings {
	let raw: string | undefined;
	try {
		raw = executionStore(context).get(SETTINGS_KEY);
	} catch {
		raw = undefined; // no store on this n8n: the node's options below
	}
	if (raw) return JSON.parse(raw) as StoredSettings;
	return settingsOf(fromParameters());
}
