import type { IBinaryData, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import type { Callback } from '../shared/callback';
import { downloadResultVideo } from '../shared/download';
import type { TaskResult, TaskStatus } from '../shared/taskResult';
import { isEnded, toTaskResult } from '../shared/taskResult';
import type { TaskMemory } from './taskMemory';
import { verifyTask } from './verification';

// What a new, authorised callback becomes: confirmed with APIXO (verification.ts), remembered, and the item (with the
// video, when asked) that starts the workflow.

type EventFilter = 'success' | 'failed' | 'both';

/** What the trigger outputs for one callback: the `getStatus` fields plus where they came from. */
export interface TriggerItem extends TaskResult {
	/** true: the fields are what APIXO's status endpoint said; false: they are the callback's, unchecked (see verifyError). */
	verified: boolean;
	receivedAt: string;
	/** Set when Verify With APIXO is on but APIXO could not be read for minutes: the fields are the callback's. */
	verifyError?: string;
	downloadError?: string;
}

/** Ends a call that has been answered already, starting nothing. */
const NOTHING: IWebhookResponseData = { noWebhookResponse: true };

function selected(events: EventFilter, state: string): boolean {
	return events === 'both' || events === state;
}

/** Confirms a new callback and builds the item that starts the workflow, or starts nothing. */
export async function accept(
	context: IWebhookFunctions,
	callback: Callback,
	memory: TaskMemory,
	receivedAt: Date,
	verify: boolean,
): Promise<IWebhookResponseData> {
	const { taskId } = callback;
	const events = context.getNodeParameter('events', 'both') as EventFilter;
	const fromCallback = { ...(callback.data as unknown as TaskStatus), taskId };

	let status: TaskStatus = fromCallback;
	let verified = false;
	let verifyError: string | undefined;
	if (verify) {
		const verification = await verifyTask(context, taskId);
		switch (verification.kind) {
			case 'confirmed':
				status = verification.status;
				verified = true;
				break;
			case 'unknown':
				context.logger.warn(`Kling Trigger: APIXO does not know task ${taskId} (for this credential's API key); the callback starts nothing`);
				return NOTHING;
			case 'notEnded':
				// Not remembered: when the task does end, its real callback is accepted.
				context.logger.warn(`Kling Trigger: APIXO still reports task ${taskId} as "${verification.state}"; the callback starts nothing`);
				return NOTHING;
			case 'unreadable':
				// The callback was answered 200, so APIXO will not deliver it again: the task goes on, marked unverified,
				// rather than being dropped. Its state is the callback's; nothing named only by a callback is downloaded.
				if (!isEnded(fromCallback.state)) {
					context.logger.warn(`Kling Trigger could not confirm task ${taskId} and its callback names no end state; it starts nothing`);
					return NOTHING;
				}
				verifyError = `Could not confirm the task with APIXO: ${verification.reason}`;
				context.logger.warn(`Kling Trigger: ${verifyError} (task ${taskId}); passing the callback on unverified`);
				break;
		}
	}

	memory.accept(taskId, receivedAt.getTime());
	if (!selected(events, status.state)) return NOTHING;

	const item: TriggerItem = { ...toTaskResult(status), verified, receivedAt: receivedAt.toISOString() };
	if (verifyError) item.verifyError = verifyError;

	let binary: Record<string, IBinaryData> | undefined;
	// Only when verified: the URL then comes from the API, never from the (forgeable) callback body.
	if (verified && context.getNodeParameter('downloadVideo', false) === true && item.state === 'success') {
		const property = String(context.getNodeParameter('binaryPropertyName', 'data') ?? '').trim() || 'data';
		const download = await downloadResultVideo(context, context.getNode(), item, 0);
		if ('failure' in download) item.downloadError = download.failure.message;
		else binary = { [property]: download.binary };
	}
	return { noWebhookResponse: true, workflowData: [[binary ? { json: item, binary } : { json: item }]] };
}
