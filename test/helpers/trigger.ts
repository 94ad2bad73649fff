import './env';

import type { IncomingMessage, ServerResponse } from 'http';
import { createServer } from 'http';
import type { AddressInfo } from 'net';
import { WebhookContext } from 'n8n-core';
import type {
	IDataObject,
	INode,
	INodeExecutionData,
	INodeType,
	IWebhookData,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';

import { burstHold } from '../../nodes/KlingTrigger/burst';
import { KlingTrigger } from '../../nodes/KlingTrigger/KlingTrigger.node';
import { verifySchedule } from '../../nodes/KlingTrigger/verification';
import type { Simulator } from '../simulator';
import { additionalDataFor, initBinaryData, nodeTypes, registerNodeType } from './engine';
import { useSimulator } from './simulator';

export const TRIGGER_TYPE = 'n8n-nodes-apixo-kling.klingTrigger';
registerNodeType(TRIGGER_TYPE, KlingTrigger);

/** The workflow's static data as n8n's database holds it: read before each callback, written back after. */
export interface StaticDataStore {
	/** The workflow's id: one store is one workflow. */
	workflowId: string;
	json: string;
	/** How many times n8n would have written the static data to its database. */
	saves: number;
}

let storeCounter = 0;

export function newStaticDataStore(): StaticDataStore {
	return { workflowId: `wf-trigger-${++storeCounter}`, json: '{}', saves: 0 };
}

export interface TriggerReceiverOptions {
	/** The APIXO (simulator) base URL of the credential. */
	baseUrl: string;
	apiKey?: string;
	/** The trigger's parameters. */
	parameters: IDataObject;
	/**
	 * The node class whose webhook() handles requests; default the package's. A copy loaded in a fresh module
	 * registry stands for a restarted n8n: nothing in the old process's memory, the database kept.
	 */
	nodeClass?: new () => INodeType;
	/** Share one store between receivers for "the same workflow in the same database". */
	store?: StaticDataStore;
	/** n8n's execution mode for the call: 'webhook' (production URL, default) or 'manual' (test URL). */
	mode?: 'webhook' | 'manual';
}

/** One HTTP request the trigger handled, as APIXO (or whoever posted) saw it and as n8n would act on it. */
export interface Delivery {
	taskId?: string;
	status: number;
	body: unknown;
	/** The items webhook() returned: set exactly when n8n would start an execution. */
	items?: INodeExecutionData[];
	/** When the HTTP answer was written, and when webhook() returned (ms epoch). */
	answeredAt?: number;
	returnedAt?: number;
}

export interface TriggerReceiver {
	/** The trigger's production URL stand-in: post callbacks here (add ?token=… as a user would). */
	url: string;
	deliveries: Delivery[];
	/**
	 * The items of every execution the callbacks would have started, in order, once every webhook() call in
	 * progress has returned (the node answers before it downloads, so an answer can precede the items).
	 */
	executions(): Promise<INodeExecutionData[][]>;
	store: StaticDataStore;
	close(): Promise<void>;
}

const WEBHOOK_PATH = '/webhook/kling-trigger-test/kling';

function readRaw(req: IncomingMessage): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => resolve(Buffer.concat(chunks)));
		req.on('error', reject);
	});
}

/** n8n's query parser ('extended'): a repeated key becomes an array. */
function parseQuery(search: string): IDataObject {
	const query: IDataObject = {};
	for (const [key, value] of new URLSearchParams(search)) {
		const previous = query[key];
		query[key] = previous === undefined ? value : ([] as string[]).concat(previous as string | string[], value);
	}
	return query;
}

/**
 * What n8n's body parser does before a webhook node runs (n8n 2.41 middlewares/body-parser.ts parseBody):
 * JSON is parsed (unparseable JSON is answered 422 by n8n itself, the node never sees it), text/plain becomes
 * a string, an unknown content type leaves the body unset with only `rawBody`.
 */
function parseBody(contentType: string, raw: Buffer): { body?: unknown; unparseable?: boolean } {
	if (raw.length === 0) return {};
	const text = raw.toString('utf8');
	if (contentType === 'application/json') {
		try {
			return { body: JSON.parse(text) };
		} catch {
			return { unparseable: true };
		}
	}
	if (contentType === 'text/plain') return { body: text };
	return {};
}

/** The parts of Express's response the node uses, writing to the real socket at once. */
function expressResponse(res: ServerResponse, onAnswer: (status: number, body: unknown) => void) {
	let statusCode = 200;
	const write = (body: unknown, contentType: string, text: string) => {
		res.writeHead(statusCode, { 'content-type': contentType });
		res.end(text);
		onAnswer(statusCode, body);
	};
	const response = {
		get headersSent() {
			return res.headersSent;
		},
		status(code: number) {
			statusCode = code;
			return response;
		},
		json(body: unknown) {
			write(body, 'application/json', JSON.stringify(body));
			return response;
		},
		send(body: unknown) {
			if (typeof body === 'string') write(body, 'text/plain', body);
			else write(body, 'application/json', JSON.stringify(body ?? {}));
			return response;
		},
		end() {
			if (!res.headersSent) write(undefined, 'text/plain', '');
			return response;
		},
		setHeader(name: string, value: string) {
			res.setHeader(name, value);
			return response;
		},
	};
	return response;
}

function triggerWorkflow(parameters: IDataObject, store: StaticDataStore): Workflow {
	const node: INode = {
		id: 'kling-trigger',
		name: 'Kling Trigger',
		type: TRIGGER_TYPE,
		typeVersion: 1,
		position: [0, 0],
		webhookId: 'kling-trigger-test',
		parameters: parameters as INode['parameters'],
		credentials: { apixoApi: { id: 'apixo', name: 'APIXO' } },
	};
	return new Workflow({
		id: store.workflowId,
		name: 'Kling Trigger test',
		nodes: [node],
		connections: {},
		active: true,
		nodeTypes,
		staticData: JSON.parse(store.json) as IDataObject,
		settings: { executionOrder: 'v1' },
	});
}

let callCounter = 0;

/**
 * A local HTTP server standing in for n8n's production webhook route of a workflow that holds only the Kling
 * Trigger: each request goes through n8n's body parsing into the node's webhook() through n8n-core's real
 * WebhookContext (mode 'webhook', no execution data, no execution id yet — as LiveWebhooks calls it), with a
 * real response object, so an answer reaches the caller the moment the node writes it.
 */
export async function startTriggerReceiver(options: TriggerReceiverOptions): Promise<TriggerReceiver> {
	await initBinaryData();
	const store = options.store ?? newStaticDataStore();
	const NodeClass = options.nodeClass ?? KlingTrigger;
	const nodeType = new NodeClass();
	const mode = options.mode ?? 'webhook';
	const deliveries: Delivery[] = [];
	const inProgress = new Set<Promise<void>>();

	const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const raw = await readRaw(req);
		if (url.pathname !== WEBHOOK_PATH || req.method !== 'POST') {
			res.writeHead(404).end();
			return;
		}
		const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
		const parsed = parseBody(contentType, raw);
		const delivery: Delivery = { status: 0, body: undefined };
		deliveries.push(delivery);
		if (parsed.unparseable) {
			delivery.status = 422;
			res.writeHead(422, { 'content-type': 'application/json' }).end('{"message":"Failed to parse request body"}');
			return;
		}
		delivery.taskId = ((parsed.body as { data?: { taskId?: string } } | undefined)?.data?.taskId);

		const workflow = triggerWorkflow(options.parameters, store);
		const node = workflow.getNode('Kling Trigger') as INode;
		// Like a webhook call before its execution exists: no execution id (binary data goes to n8n's temp area).
		const additionalData = additionalDataFor({ baseUrl: options.baseUrl, apiKey: options.apiKey }, `webhook-${++callCounter}`);
		additionalData.executionId = undefined;
		additionalData.httpRequest = {
			body: parsed.body,
			rawBody: raw,
			contentType,
			query: parseQuery(url.search),
			headers: req.headers,
			params: {},
			method: req.method,
			url: req.url,
		} as unknown as ReturnType<IWebhookFunctions['getRequestObject']>;
		additionalData.httpResponse = expressResponse(res, (status, body) => {
			delivery.status = status;
			delivery.body = body;
			delivery.answeredAt = Date.now();
		}) as unknown as ReturnType<IWebhookFunctions['getResponseObject']>;
		const webhookData = {
			httpMethod: 'POST',
			node: node.name,
			path: 'kling-trigger-test/kling',
			webhookDescription: nodeType.description.webhooks?.[0],
			workflowId: workflow.id,
			workflowExecuteAdditionalData: additionalData,
			isTest: mode === 'manual',
		} as unknown as IWebhookData;
		const context = new WebhookContext(workflow, node, additionalData, mode, webhookData, [], null);

		let result: IWebhookResponseData;
		try {
			result = await (nodeType.webhook as NonNullable<INodeType['webhook']>).call(context);
		} catch (error) {
			// n8n answers a webhook() that throws with 500 and records a failed execution.
			delivery.returnedAt = Date.now();
			if (!res.headersSent) {
				delivery.status = 500;
				delivery.body = { message: 'Workflow Webhook Error: Workflow could not be started!', error: String(error) };
				res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify(delivery.body));
			}
			return;
		}
		delivery.returnedAt = Date.now();
		// n8n saves changed static data when it hands its answer over (LiveWebhooks' response callback). When the
		// node answered itself (noWebhookResponse), that is before the execution starts; when n8n answers an
		// 'onReceived' webhook with workflow data, the execution's start has already reset the changed flag.
		const changed = (workflow.staticData as { __dataChanged?: boolean }).__dataChanged === true;
		if (changed && (result.noWebhookResponse === true || result.workflowData === undefined)) {
			store.json = JSON.stringify(workflow.staticData);
			store.saves++;
		}
		if (result.workflowData) delivery.items = result.workflowData[0] ?? [];
		if (!res.headersSent && result.noWebhookResponse !== true) {
			// responseData '' on an 'onReceived' webhook: an empty 200.
			const body = result.workflowData ? '' : (result.webhookResponse ?? { message: 'Webhook call received' });
			expressResponse(res, (status, answered) => {
				delivery.status = status;
				delivery.body = answered;
				delivery.answeredAt = Date.now();
			}).send(body);
		}
	};

	const server = createServer((req, res) => {
		const handling = handle(req, res).catch((error: unknown) => {
			if (!res.headersSent) res.writeHead(500).end(String(error));
		});
		inProgress.add(handling);
		void handling.finally(() => inProgress.delete(handling));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}${WEBHOOK_PATH}`,
		deliveries,
		executions: async () => {
			while (inProgress.size > 0) await Promise.all(inProgress);
			return deliveries.filter((delivery) => delivery.items !== undefined).map((delivery) => delivery.items as INodeExecutionData[]);
		},
		store,
		close: async () => {
			const closed = new Promise<void>((resolve) => server.close(() => resolve()));
			server.closeAllConnections();
			await closed;
		},
	};
}

/** A server that must not be contacted: it counts every request it gets (the "foreign" host of a forged URL). */
export async function startTrap(): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
	const requests: string[] = [];
	const server = createServer((req, res) => {
		requests.push(`${req.method ?? ''} ${req.url ?? ''}`);
		res.writeHead(200, { 'content-type': 'video/mp4' }).end('not the video');
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		requests,
		close: async () => {
			const closed = new Promise<void>((resolve) => server.close(() => resolve()));
			server.closeAllConnections();
			await closed;
		},
	};
}

/** Submits a text-to-video task to the simulator over HTTP, as the Kling node would; returns its task id. */
export async function submitTask(apiUrl: string, prompt: string, callbackUrl?: string): Promise<string> {
	const response = await fetch(`${apiUrl}/api/v1/generateTask/kling-2-5-turbo-pro`, {
		method: 'POST',
		headers: { Authorization: 'Bearer sim-key', 'Content-Type': 'application/json' },
		body: JSON.stringify({
			request_type: callbackUrl ? 'callback' : 'async',
			...(callbackUrl && { callback_url: callbackUrl }),
			provider: 'auto',
			input: { mode: 'text-to-video', prompt, duration: 5 },
		}),
	});
	const envelope = (await response.json()) as { code: number; data?: { taskId?: string } };
	if (envelope.code !== 200 || !envelope.data?.taskId) throw new Error(`Submit failed: ${JSON.stringify(envelope)}`);
	return envelope.data.taskId;
}

/**
 * The setting of a trigger test file: one simulator whose redeliveries come within a fraction of a second, the
 * trigger's confirmation and burst hold shortened to match, and receivers closed after each test.
 */
export function useTriggerTestbed(): {
	sim: Simulator;
	receiver(parameters?: TriggerReceiverOptions['parameters'], extra?: Partial<TriggerReceiverOptions>): Promise<TriggerReceiver>;
	endedTask(outcome: 'success' | 'failed', prompt?: string): Promise<string>;
	/** Servers to close after the test. */
	open: Array<{ close(): Promise<void> }>;
} {
	// Short retry delays: a refused callback is retried, and [sim:dup] extras follow, within a fraction of a second.
	const sim = useSimulator({ callbackRetryDelaysMs: [50, 100, 150] }, 'beforeEach');
	const open: Array<{ close(): Promise<void> }> = [];
	beforeAll(() => {
		// The trigger confirms a callback it has answered over 3.5 minutes at most; here over 0.4 s.
		verifySchedule.pausesMs = [50, 100, 100, 150];
		// An answered callback waits for a pause in the arrivals before it is confirmed; here a short one.
		burstHold.quietMs = 20;
	});
	afterEach(async () => {
		await Promise.all(open.splice(0).map(async (server) => await server.close()));
	});
	return {
		sim,
		open,
		async receiver(parameters = {}, extra = {}) {
			const started = await startTriggerReceiver({ baseUrl: sim.url, parameters, ...extra });
			open.push(started);
			return started;
		},
		/** A task that has ended on the simulator without calling back, ready for a forged (or hand-delivered) callback. */
		async endedTask(outcome, prompt = 'a lighthouse at dusk [sim:ms=600000]') {
			const taskId = await submitTask(sim.url, prompt);
			sim.completeNow(taskId, outcome);
			return taskId;
		},
	};
}
