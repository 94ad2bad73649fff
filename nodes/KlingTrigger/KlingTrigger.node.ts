import { timingSafeEqual } from 'crypto';
import type { IDataObject, INodeType, INodeTypeDescription, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { NOT_A_CALLBACK, readCallback } from '../shared/callback';
import { MAIN_CONNECTION } from '../shared/compat';
import { sha256 } from '../shared/hash';
import { isEnded } from '../shared/taskResult';
import { answer, noRegistrationNeeded } from '../shared/webhook';
import { accept } from './accept';
import { afterTheBurst, answerWhenStarted, callbackArrived } from './burst';
import { klingTriggerProperties } from './description';
import { TaskMemory } from './taskMemory';

// ---------------------------------------------------------------------------------------------------------
// Checking a callback (reading one: shared/callback.ts)
// ---------------------------------------------------------------------------------------------------------

/** Both sides are hashed first so the comparison takes equal-length buffers and its time reveals nothing. */
function tokenMatches(expected: string, given: unknown): boolean {
	// A repeated ?token=…&token=… arrives as an array: never a match.
	const candidate = typeof given === 'string' ? given : '';
	return timingSafeEqual(sha256(expected), sha256(candidate));
}

/** Answers without starting an execution. */
function refuse(context: IWebhookFunctions, status: number, body: IDataObject): IWebhookResponseData {
	answer(context, status, body);
	return { noWebhookResponse: true };
}

// ---------------------------------------------------------------------------------------------------------
// The node
// ---------------------------------------------------------------------------------------------------------

export class KlingTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Kling Trigger',
		name: 'klingTrigger',
		icon: { light: 'file:kling.svg', dark: 'file:kling.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{ $parameter["events"] === "both" ? "Task ended" : $parameter["events"] === "success" ? "Task succeeded" : "Task failed" }}',
		description: 'Starts the workflow when APIXO reports that a Kling 2.5 Turbo Pro video task has ended',
		defaults: { name: 'Kling Trigger' },
		eventTriggerDescription: "Waiting for APIXO to call this node's Test URL: submit a Kling task with it as the Callback URL",
		activationMessage:
			"Tasks submitted with this node's Production URL as their Callback URL now start this workflow when they end.",
		inputs: [],
		outputs: [MAIN_CONNECTION],
		// Verification and download read the API; without verification no credential is needed.
		credentials: [{ name: 'apixoApi', required: true, displayOptions: { show: { verifyWithApi: [true] } } }],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				// The node answers every request itself (see webhook()); responseData '' keeps n8n from ever
				// answering with its 'firstEntryJson' default.
				responseMode: 'onReceived',
				responseData: '',
				path: 'kling',
			},
		],
		properties: klingTriggerProperties,
	};

	// APIXO has no webhook registration API: the callback URL is given with each task (the Kling node's
	// Callback URL), so there is nothing to create, check or delete on APIXO's side.
	webhookMethods = noRegistrationNeeded;

	/**
	 * Handles one callback. Every answer is written here and `noWebhookResponse` returned: a refusal then starts
	 * nothing, and n8n saves the workflow static data (the remembered task ids) before it starts the execution —
	 * when n8n answers an 'onReceived' webhook itself, it starts the execution first, which resets the static
	 * data's changed flag, and the ids would not be saved (n8n 2.41: WebhookHelpers.executeWebhook, LiveWebhooks).
	 *
	 * A callback that comes alone gets its 200 once it has been confirmed and n8n has saved its task id and started
	 * its run (burst.ts), at the latest 10 s after it arrived. In a burst, every new, well formed and authorised
	 * (token) callback is answered at once — before the status read, which then waits behind every other callback
	 * n8n is handling. Confirming is retried for as long as APIXO would have redelivered (verification.ts); see the
	 * README ("Kling Trigger") for what that trades.
	 */
	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const receivedAt = new Date();
		const alone = callbackArrived();
		const token = String(this.getNodeParameter('token', '') ?? '').trim();
		if (token !== '' && !tokenMatches(token, (this.getQueryData() as IDataObject).token)) {
			return refuse(this, 401, { error: 'Missing or wrong token' });
		}
		const callback = readCallback(this);
		if (!callback) {
			return refuse(this, 400, { error: NOT_A_CALLBACK });
		}
		const verify = this.getNodeParameter('verifyWithApi', true) !== false;
		// Nothing to confirm against without verification, and APIXO only calls back for ended tasks.
		if (!verify && !isEnded(callback.data.state)) {
			return refuse(this, 422, { error: 'data.state must be "success" or "failed"' });
		}
		const { taskId } = callback;
		const memory = new TaskMemory(this);
		// A repeat — of a task already started, or one whose first delivery is being handled right now — has been
		// answered 200 once already: it gets 200 again and starts nothing.
		if (memory.seen(taskId, receivedAt.getTime()) || !memory.claim(taskId)) {
			return refuse(this, 200, { received: true, duplicate: true });
		}
		const returned = answerWhenStarted(() => answer(this, 200, { received: true }), alone);
		try {
			// In a burst (answered already), the other callbacks' answers go first; a lone callback goes on at once (burst.ts).
			await afterTheBurst(alone);
			return await accept(this, callback, memory, receivedAt, verify);
		} finally {
			memory.release(taskId);
			returned();
		}
	}
}
