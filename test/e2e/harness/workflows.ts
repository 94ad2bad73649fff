/**
 * The workflows the e2e tests import into n8n. Each starts with a Webhook (answering through a Respond to
 * Webhook node with `{ executionId }` at once, so a test can follow the execution through the public API), then
 * splits the request's `items` into n8n items, then runs the Kling node with parameters read from each item.
 *
 * Request body: `{ "items": [{ "prompt": "…", … }, …] }`.
 */
import { writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const CREDENTIAL = { id: 'apixoAccount0001', name: 'APIXO account' };
export const PACKAGE = 'n8n-nodes-apixo-kling';
export const TRIGGER_TOKEN = 'e2e-trigger-token';

/** Fast timings for the simulator: first check after 0.5 s, then every 0.2 s. */
export const FAST = { initialDelay: 0.5, pollInterval: 0.2 };

interface Node {
	id: string;
	name: string;
	type: string;
	typeVersion: number;
	position: [number, number];
	parameters: Record<string, unknown>;
	credentials?: Record<string, { id: string; name: string }>;
	webhookId?: string;
	onError?: string;
	retryOnFail?: boolean;
	maxTries?: number;
	waitBetweenTries?: number;
}

export interface Workflow {
	id: string;
	name: string;
	active: boolean;
	nodes: Node[];
	connections: Record<string, { main: Array<Array<{ node: string; type: 'main'; index: number }>> }>;
	settings: Record<string, unknown>;
}

/** The pieces of one test workflow; `path` is its webhook path. */
export interface TestWorkflow {
	key: string;
	path?: string;
	workflow: Workflow;
}

function node(name: string, type: string, typeVersion: number, parameters: Record<string, unknown>, extra: Partial<Node> = {}): Node {
	return { id: `${name.toLowerCase().replace(/\W+/g, '-')}-id`, name, type, typeVersion, position: [0, 0], parameters, ...extra };
}

function chain(id: string, name: string, nodes: Node[]): Workflow {
	nodes.forEach((each, index) => (each.position = [index * 220, 0]));
	const connections: Workflow['connections'] = {};
	for (let index = 0; index + 1 < nodes.length; index++) {
		connections[nodes[index].name] = { main: [[{ node: nodes[index + 1].name, type: 'main', index: 0 }]] };
	}
	return { id, name, active: true, nodes, connections, settings: { executionOrder: 'v1' } };
}

/** Webhook → Respond `{executionId}` → one n8n item per element of the body's `items`. */
function front(path: string): Node[] {
	return [
		node('Webhook', 'n8n-nodes-base.webhook', 2.1, { httpMethod: 'POST', path, responseMode: 'responseNode', options: {} }, { webhookId: path }),
		node('Respond', 'n8n-nodes-base.respondToWebhook', 1.5, {
			respondWith: 'json',
			responseBody: '={{ JSON.stringify({ executionId: $execution.id }) }}',
			options: {},
		}),
		node('Items', 'n8n-nodes-base.splitOut', 1, { fieldToSplitOut: 'body.items', options: {} }),
	];
}

export function kling(parameters: Record<string, unknown>, name = 'Kling'): Node {
	return node(name, `${PACKAGE}.kling`, 1, parameters, { credentials: { apixoApi: CREDENTIAL } });
}

/** SHA-256 (hex) of the item's binary `data` into `sha256`: the bytes n8n stored, hashed inside n8n. */
export function hashBinary(): Node {
	return node('Hash', 'n8n-nodes-base.crypto', 2, {
		action: 'hash',
		type: 'SHA256',
		binaryData: true,
		binaryPropertyName: 'data',
		dataPropertyName: 'sha256',
		encoding: 'hex',
	});
}

const textToVideo = {
	operation: 'generate',
	mode: 'textToVideo',
	prompt: '={{ $json.prompt }}',
	duration: '={{ $json.duration ?? 5 }}',
	aspectRatio: "={{ $json.aspectRatio ?? '16:9' }}",
};

/** Workflow id: 16 characters, like n8n's own. */
const id = (key: string) => `e2e${key}`.replace(/[^A-Za-z0-9]/g, '').padEnd(16, '0').slice(0, 16);

function viaWebhook(key: string, nodes: Node[]): TestWorkflow {
	const path = `e2e-${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
	return { key, path, workflow: chain(id(key), `e2e ${key}`, [...front(path), ...nodes]) };
}

function withSettings(test: TestWorkflow, settings: Record<string, unknown>): TestWorkflow {
	return { ...test, workflow: { ...test.workflow, settings: { ...test.workflow.settings, ...settings } } };
}

export const testWorkflows = {
	textPoll: viaWebhook('textPoll', [kling({ ...textToVideo, waitMode: 'poll', options: FAST })]),
	imagePoll: viaWebhook('imagePoll', [
		kling({
			operation: 'generate',
			mode: 'imageToVideo',
			prompt: '={{ $json.prompt }}',
			startImageUrl: '={{ $json.startImageUrl }}',
			endImageUrl: "={{ $json.endImageUrl ?? '' }}",
			duration: '={{ $json.duration ?? 5 }}',
			waitMode: 'poll',
			options: FAST,
		}),
	]),
	/** Don't Wait, with an item's `callbackUrl` as Additional Fields → Callback URL. */
	textNow: viaWebhook('textNow', [kling({ ...textToVideo, waitMode: 'none', additionalFields: { callbackUrl: '={{ $json.callbackUrl }}' } })]),
	/** Wait (Poll) with a 0.6 s timeout and Continue On Fail: a task still running becomes an error item. */
	textPollTimeoutContinue: viaWebhook('textPollTimeoutContinue', [
		{ ...kling({ ...textToVideo, waitMode: 'poll', options: { ...FAST, timeout: 0.01 } }), onError: 'continueRegularOutput' },
	]),
	/** Retries never pay twice: Wait (Poll) with the item's `timeout` (minutes; 0.01 = 0.6 s), downloading when asked. */
	reusePoll: viaWebhook('reusePoll', [
		kling({ ...textToVideo, waitMode: 'poll', options: { ...FAST, timeout: '={{ $json.timeout ?? 1 }}', downloadVideo: '={{ $json.download ?? false }}' } }),
	]),
	/** reusePoll in a workflow whose Timeout Workflow setting is 20 s: n8n cuts the execution then. */
	reusePollLimited: withSettings(viaWebhook('reusePollLimited', [kling({ ...textToVideo, waitMode: 'poll', options: { ...FAST, timeout: 1 } })]), { executionTimeout: 20 }),
	/** The same with Continue On Fail: the tasks still running come out as items, and a hint names the limit. */
	reuseLimitedContinue: withSettings(
		viaWebhook('reuseLimitedContinue', [{ ...kling({ ...textToVideo, waitMode: 'poll', options: { ...FAST, timeout: 1 } }), onError: 'continueRegularOutput' }]),
		{ executionTimeout: 20 },
	),
	reuseContinue: viaWebhook('reuseContinue', [
		{ ...kling({ ...textToVideo, waitMode: 'poll', options: { ...FAST, timeout: '={{ $json.timeout ?? 1 }}' } }), onError: 'continueRegularOutput' },
	]),
	/** Retry On Fail: 3 tries, 2 s apart; the first times out after 0.6 s. */
	reuseRetryOnFail: viaWebhook('reuseRetryOnFail', [
		{ ...kling({ ...textToVideo, waitMode: 'poll', options: { ...FAST, timeout: 0.01 } }), retryOnFail: true, maxTries: 3, waitBetweenTries: 2000 },
	]),
	statusNow: viaWebhook('statusNow', [kling({ operation: 'getStatus', taskId: '={{ $json.taskId }}', waitMode: 'none', options: {} })]),
	statusPoll: viaWebhook('statusPoll', [kling({ operation: 'getStatus', taskId: '={{ $json.taskId }}', waitMode: 'poll', options: FAST })]),
	balance: viaWebhook('balance', [kling({ operation: 'getBalance' })]),
	download: viaWebhook('download', [kling({ ...textToVideo, waitMode: 'poll', options: { ...FAST, downloadVideo: true } }), hashBinary()]),
	callback: viaWebhook('callback', [kling({ ...textToVideo, waitMode: 'callback', options: { timeout: 5 } })]),
	/** A wait limit of 30 s: the take-over of a lost last callback (a quarter of it) falls inside APIXO's redeliveries. */
	callbackShortWait: viaWebhook('callbackShortWait', [kling({ ...textToVideo, waitMode: 'callback', options: { timeout: 0.5 } })]),
	callbackContinue: viaWebhook('callbackContinue', [
		{ ...kling({ ...textToVideo, waitMode: 'callback', options: { timeout: 5 } }), onError: 'continueRegularOutput' },
	]),
	callbackDownload: viaWebhook('callbackDownload', [
		kling({ ...textToVideo, waitMode: 'callback', options: { timeout: 5, downloadVideo: true } }),
		hashBinary(),
	]),
	/**
	 * Stock nodes only, to tell n8n's own behaviour in queue mode from the package's: Webhook → Respond
	 * `{ executionId, resumeUrl }` → Wait "On Webhook Call" → Wait 5 s (held in the worker's memory, under 65 s).
	 */
	stockWait: {
		key: 'stockWait',
		path: 'e2e-stock-wait',
		workflow: chain(id('stockWait'), 'e2e stockWait', [
			node('Webhook', 'n8n-nodes-base.webhook', 2.1, { httpMethod: 'POST', path: 'e2e-stock-wait', responseMode: 'responseNode', options: {} }, { webhookId: 'e2e-stock-wait' }),
			node('Respond', 'n8n-nodes-base.respondToWebhook', 1.5, {
				respondWith: 'json',
				responseBody: '={{ JSON.stringify({ executionId: $execution.id, resumeUrl: $execution.resumeUrl }) }}',
				options: {},
			}),
			node('Wait for call', 'n8n-nodes-base.wait', 1.1, { resume: 'webhook', httpMethod: 'POST', options: {} }, { webhookId: 'e2e-stock-wait-resume' }),
			node('Wait 5 s', 'n8n-nodes-base.wait', 1.1, { resume: 'timeInterval', amount: 5, unit: 'seconds' }, { webhookId: 'e2e-stock-wait-5s' }),
		]),
	} as TestWorkflow,
	/** Fire and forget: APIXO will call the URL in the item's `callbackUrl` (a Kling Trigger's). */
	submit: viaWebhook('submit', [kling({ ...textToVideo, waitMode: 'none', additionalFields: { callbackUrl: '={{ $json.callbackUrl }}' } })]),
	/** Started by APIXO's callbacks: Kling Trigger (token, verified, downloads) → SHA-256 of the video. */
	receiver: {
		key: 'receiver',
		workflow: chain(id('receiver'), 'e2e receiver', [
			node(
				'Kling Trigger',
				`${PACKAGE}.klingTrigger`,
				1,
				{ events: 'both', verifyWithApi: true, token: TRIGGER_TOKEN, downloadVideo: true, binaryPropertyName: 'data' },
				{ webhookId: 'e2e-receiver', credentials: { apixoApi: CREDENTIAL } },
			),
			// A failed task has no video: the hash then fails and passes the item on.
			{ ...hashBinary(), onError: 'continueRegularOutput' },
		]),
	} as TestWorkflow,
} satisfies Record<string, TestWorkflow>;

export type TestWorkflowKey = keyof typeof testWorkflows;

/** Production URL of the receiver's Kling Trigger (n8n: <webhook base>webhook/<webhookId>/<path>). */
export function receiverUrl(webhookBaseUrl: string, token: string | null = TRIGGER_TOKEN): string {
	return `${webhookBaseUrl}webhook/e2e-receiver/kling${token === null ? '' : `?token=${encodeURIComponent(token)}`}`;
}

/** Writes the workflows (one file each) into `dir`, emptied first. */
export function writeWorkflows(dir: string, workflows: Workflow[]): void {
	const ids = workflows.map((workflow) => workflow.id);
	const repeated = ids.filter((each, index) => ids.indexOf(each) !== index);
	// Ids are cut to 16 characters: two keys with the same start would overwrite each other in n8n.
	if (repeated.length > 0) throw new Error(`Test workflows share an id: ${repeated.join(', ')}`);
	rmSync(dir, { recursive: true, force: true });
	mkdirSync(dir, { recursive: true });
	for (const workflow of workflows) writeFileSync(join(dir, `${workflow.id}.json`), JSON.stringify(workflow, null, 2));
}
