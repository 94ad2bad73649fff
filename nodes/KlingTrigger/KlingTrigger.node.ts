import { timingSafeEqual } from 'crypto';
import type {
	IBinaryData,
	IDataObject,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';

import { MAIN_CONNECTION } from '../shared/compat';
import { downloadResultVideo } from '../shared/download';
import { sha256 } from '../shared/hash';
import type { TaskResult, TaskStatus } from '../shared/taskResult';
import { isEnded, toTaskResult } from '../shared/taskResult';
import { answer, noRegistrationNeeded } from '../shared/webhook';
import { afterTheBurst, answerWhenStarted, callbackArrived } from './burst';
import { TaskMemory } from './taskMemory';
import { verifyTask } from './verification';

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

// ---------------------------------------------------------------------------------------------------------
// Reading and checking a callback
// ---------------------------------------------------------------------------------------------------------

/** APIXO's ids look like `task_<hex>`; anything outside this is not a callback (and never becomes a key). */
const TASK_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

interface Callback {
	taskId: string;
	data: IDataObject;
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

/**
 * n8n parses JSON, form and XML bodies itself; a text/plain body arrives as a string, and a body of an unknown
 * content type only as `rawBody`. A callback is an APIXO envelope whose `data.taskId` is a task id.
 */
function readCallback(context: IWebhookFunctions): Callback | undefined {
	let body: unknown = context.getBodyData();
	if (typeof body === 'string') body = parseJson(body);
	if (body === undefined || body === null) {
		const raw = (context.getRequestObject() as { rawBody?: unknown }).rawBody;
		if (Buffer.isBuffer(raw) || typeof raw === 'string') body = parseJson(raw.toString());
	}
	const data = (body as { data?: unknown } | undefined)?.data;
	if (!data || typeof data !== 'object' || Array.isArray(data)) return undefined;
	const { taskId } = data as IDataObject;
	if (typeof taskId !== 'string' || !TASK_ID_PATTERN.test(taskId)) return undefined;
	return { taskId, data: data as IDataObject };
}

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

/** Ends a call that has been answered already, starting nothing. */
const NOTHING: IWebhookResponseData = { noWebhookResponse: true };

function selected(events: EventFilter, state: string): boolean {
	return events === 'both' || events === state;
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
		properties: [
			{
				displayName:
					"Paste this node's Production URL into the Callback URL of the Kling node (Additional Fields), adding ?token=YOUR_TOKEN if you set a Token below. APIXO must be able to reach that URL: this n8n needs a public address (WEBHOOK_URL). While testing, use the Test URL the same way.",
				name: 'notice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Trigger On',
				name: 'events',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Both', value: 'both', description: 'Every task that ends, successful or failed' },
					{ name: 'Failed Tasks Only', value: 'failed', description: 'Tasks that ended with state "failed"' },
					{ name: 'Successful Tasks Only', value: 'success', description: 'Tasks that ended with state "success"' },
				],
				default: 'both',
				description: 'Which ended tasks start the workflow. Callbacks of other tasks are answered but start nothing.',
			},
			{
				displayName: 'Verify With APIXO',
				name: 'verifyWithApi',
				type: 'boolean',
				default: true,
				description:
					"Whether to confirm every callback with APIXO's status endpoint before starting the workflow. APIXO does not sign callbacks, so anyone who knows this URL could post a fake one. When on, the output carries what the API says (state, video URL), and a task the API does not know, or that has not ended, starts nothing. A callback that comes alone is answered once it is confirmed and its workflow started; in a burst, every callback is answered first and confirmed once the burst has been answered. If APIXO cannot be read for several minutes, the task starts the workflow anyway with verified: false and the reason in verifyError. When off, the callback is passed on as received (verified: false) and no video is downloaded.",
			},
			{
				displayName: 'Token',
				name: 'token',
				type: 'string',
				typeOptions: { password: true },
				default: '',
				description:
					'Optional shared secret. When set, a callback must carry it in its URL as ?token=YOUR_TOKEN, or it is refused (401). Use letters, digits, - and _ so it can go into the URL as is.',
			},
			{
				displayName: 'Download Video',
				name: 'downloadVideo',
				type: 'boolean',
				default: false,
				displayOptions: { show: { verifyWithApi: [true] } },
				description:
					'Whether to download the finished MP4 into binary data (as &lt;task ID&gt;.mp4). Only the video URL that APIXO confirmed is downloaded, never one named only by a callback, so this needs Verify With APIXO. APIXO gets its answer before the download starts; if the download fails, the item says why in downloadError.',
			},
			{
				displayName: 'Put Output File in Field',
				name: 'binaryPropertyName',
				type: 'string',
				default: 'data',
				displayOptions: { show: { verifyWithApi: [true], downloadVideo: [true] } },
				description: 'Name of the binary property the downloaded video is put in',
			},
		],
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
			return refuse(this, 400, { error: 'Expected an APIXO callback: a JSON body with data.taskId' });
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

async function accept(
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
