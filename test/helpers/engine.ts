import './env';

import { Container } from '@n8n/di';
import type { IncomingMessage, ServerResponse } from 'http';
import { createServer } from 'http';
import type { AddressInfo } from 'net';
import {
	BinaryDataService,
	ExecutionLifecycleHooks,
	WebhookContext,
	WorkflowExecute,
} from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IHttpRequestOptions,
	INode,
	INodeCredentialsDetails,
	INodeExecutionData,
	INodeType,
	INodeTypes,
	IRun,
	IRunExecutionData,
	IVersionedNodeType,
	IWebhookData,
	IWebhookFunctions,
	IWorkflowExecuteAdditionalData,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { createRunExecutionData, ICredentialsHelper, NodeHelpers, Workflow } from 'n8n-workflow';

import { ApixoApi } from '../../credentials/ApixoApi.credentials';
import { Kling } from '../../nodes/Kling/Kling.node';

/** A minimal manual trigger: the workflow's start node, emitting the items a test gives it. */
class ItemsSource implements INodeType {
	description = {
		displayName: 'Items',
		name: 'itemsSource',
		group: ['input'],
		version: 1,
		description: 'Emits fixed items',
		defaults: { name: 'Items' },
		inputs: [],
		outputs: ['main'],
		properties: [{ displayName: 'Items', name: 'items', type: 'json', default: '[]' }],
	} as INodeType['description'];

	async execute(this: import('n8n-workflow').IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const raw = this.getNodeParameter('items', 0) as string | IDataObject[];
		const items = (typeof raw === 'string' ? JSON.parse(raw) : raw) as IDataObject[];
		return [items.map((json) => ({ json }))];
	}
}

const nodeClasses: Record<string, new () => INodeType | IVersionedNodeType> = {
	'n8n-nodes-apixo-kling.kling': Kling,
	'test.itemsSource': ItemsSource,
};

/** Lets other test helpers (the trigger's) add their node types. */
export function registerNodeType(type: string, NodeClass: new () => INodeType | IVersionedNodeType): void {
	nodeClasses[type] = NodeClass;
}

class TestNodeTypes implements INodeTypes {
	private readonly instances = new Map<string, INodeType | IVersionedNodeType>();

	getByName(type: string): INodeType | IVersionedNodeType {
		let instance = this.instances.get(type);
		if (!instance) {
			const NodeClass = nodeClasses[type];
			if (!NodeClass) throw new Error(`Unknown node type ${type}`);
			instance = new NodeClass();
			this.instances.set(type, instance);
		}
		return instance;
	}

	getByNameAndVersion(type: string, version?: number): INodeType {
		return NodeHelpers.getVersionedNodeType(this.getByName(type), version);
	}

	getKnownTypes() {
		return {};
	}
}

export const nodeTypes = new TestNodeTypes();

/** How many times a node has had n8n read (and decrypt) a credential, across every engine run of the test file. */
export const credentialReads = { count: 0 };

/** The next `failing` credential reads reject, as n8n's do when its database pool times out in a burst. */
export const credentialFaults = { failing: 0 };

/**
 * Applies the credential type's own `authenticate` block, as n8n's CredentialsHelper does for generic auth:
 * `{{$credentials.x}}` placeholders are filled from the stored credential.
 */
class TestCredentialsHelper extends ICredentialsHelper {
	constructor(
		private readonly store: Record<string, ICredentialDataDecryptedObject>,
		private readonly hostAliases: Record<string, string> = {},
	) {
		super();
	}

	getParentTypes(): string[] {
		return [];
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	async authenticate(credentials: ICredentialDataDecryptedObject, typeName: string, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> {
		if (typeName !== 'apixoApi') throw new Error(`No credential type ${typeName}`);
		const { properties } = new ApixoApi().authenticate;
		const headers: IDataObject = { ...(requestOptions.headers ?? {}) };
		for (const [name, template] of Object.entries(properties.headers ?? {})) {
			headers[name] = String(template)
				.replace(/^=/, '')
				.replace(/\{\{\s*\$credentials\.(\w+)\s*\}\}/g, (_, key: string) => String(credentials[key] ?? ''));
		}
		return { ...requestOptions, headers, url: this.resolve(requestOptions.url) };
	}

	/** Stands in for DNS: a public API host can be served by the local simulator. */
	private resolve(url: string): string {
		for (const [host, target] of Object.entries(this.hostAliases)) {
			const prefix = `https://${host}`;
			if (url.startsWith(prefix)) return `${target}${url.slice(prefix.length)}`;
		}
		return url;
	}

	async preAuthentication() {
		return undefined;
	}

	async runPreAuthentication() {
		return undefined;
	}

	async getCredentials(): Promise<never> {
		throw new Error('Not used by these nodes');
	}

	async getDecrypted(_additionalData: IWorkflowExecuteAdditionalData, nodeCredentials: INodeCredentialsDetails, type: string) {
		credentialReads.count++;
		if (credentialFaults.failing > 0) {
			credentialFaults.failing--;
			throw new Error('timeout exceeded when trying to connect');
		}
		const data = this.store[nodeCredentials.id ?? ''] ?? this.store[type];
		if (!data) throw new Error(`No credentials of type ${type}`);
		return data;
	}

	async updateCredentials() {}

	async updateCredentialsOauthTokenData() {}

	getCredentialsProperties() {
		return new ApixoApi().properties;
	}
}

let binaryDataReady: Promise<void> | undefined;
export async function initBinaryData(): Promise<void> {
	binaryDataReady ??= Container.get(BinaryDataService).init();
	await binaryDataReady;
}

export interface EngineOptions {
	apiKey?: string;
	baseUrl: string;
	/** Base of resume URLs; tests point it at a local receiver that feeds callbacks to `webhook()`. */
	webhookWaitingBaseUrl?: string;
	/** Public API hosts served by a local address instead (e.g. api.apixo.ai → the simulator). */
	hostAliases?: Record<string, string>;
	/**
	 * n8n's time limit for the execution (the workflow's Timeout Workflow), from its start: set as n8n's runner sets
	 * it, and enforced as n8n's runner does, by cancelling the execution then.
	 */
	executionTimeoutMs?: number;
}

export interface KlingNodeSpec {
	parameters: IDataObject;
	onError?: INode['onError'];
	name?: string;
	/** Node settings: Retry On Fail. */
	retryOnFail?: boolean;
	maxTries?: number;
	waitBetweenTries?: number;
	/**
	 * The workflow the node runs in: give two runs the same id and static data object to play two executions of
	 * one saved workflow (n8n keeps static data with the workflow). Default: a workflow of its own per run.
	 */
	workflow?: { id: string; staticData: IDataObject };
}

export interface EngineRun {
	run: IRun;
	workflow: Workflow;
	executionId: string;
	/** The run data as n8n would store it: serialised and read back, so nothing in memory survives. */
	stored: IRunExecutionData;
	output(nodeName?: string): INodeExecutionData[];
	errorOutput(nodeName?: string): INodeExecutionData[];
}

let executionCounter = 0;

export function additionalDataFor(options: EngineOptions, executionId: string): IWorkflowExecuteAdditionalData {
	const credentialsHelper = new TestCredentialsHelper(
		{ apixo: { apiKey: options.apiKey ?? 'sim-key', baseUrl: options.baseUrl } },
		options.hostAliases,
	);
	return {
		credentialsHelper,
		executionId,
		currentNodeExecutionIndex: 0,
		restApiUrl: 'http://127.0.0.1:5678/rest',
		instanceBaseUrl: 'http://127.0.0.1:5678',
		formBaseUrl: 'http://127.0.0.1:5678/form',
		formWaitingBaseUrl: 'http://127.0.0.1:5678/form-waiting',
		formTestBaseUrl: 'http://127.0.0.1:5678/form-test',
		webhookBaseUrl: 'http://127.0.0.1:5678/webhook',
		webhookWaitingBaseUrl: options.webhookWaitingBaseUrl ?? 'http://127.0.0.1:5678/webhook-waiting',
		webhookTestBaseUrl: 'http://127.0.0.1:5678/webhook-test',
		mcpBaseUrl: 'http://127.0.0.1:5678/mcp',
		mcpTestBaseUrl: 'http://127.0.0.1:5678/mcp-test',
		variables: {},
		logAiEvent: () => {},
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		executeWorkflow: async () => {
			throw new Error('Sub-workflows are not used here');
		},
		startRunnerTask: async () => {
			throw new Error('Code tasks are not used here');
		},
	} as unknown as IWorkflowExecuteAdditionalData;
}

function buildWorkflow(items: IDataObject[], kling: KlingNodeSpec): Workflow {
	const name = kling.name ?? 'Kling';
	const nodes: INode[] = [
		{ id: 'items', name: 'Items', type: 'test.itemsSource', typeVersion: 1, position: [0, 0], parameters: { items: JSON.stringify(items) } },
		{
			id: 'kling',
			name,
			type: 'n8n-nodes-apixo-kling.kling',
			typeVersion: 1,
			position: [200, 0],
			parameters: kling.parameters as INode['parameters'],
			credentials: { apixoApi: { id: 'apixo', name: 'APIXO' } },
			...(kling.onError ? { onError: kling.onError } : {}),
			...(kling.retryOnFail ? { retryOnFail: true, maxTries: kling.maxTries ?? 3, waitBetweenTries: kling.waitBetweenTries ?? 0 } : {}),
		},
	];
	return new Workflow({
		id: kling.workflow?.id ?? `wf-${++workflowCounter}`,
		name: 'Kling test',
		nodes,
		connections: { Items: { main: [[{ node: name, type: 'main', index: 0 }]] } },
		active: false,
		nodeTypes,
		staticData: kling.workflow?.staticData ?? {},
		settings: { executionOrder: 'v1' },
	});
}
let workflowCounter = 0;

function toEngineRun(run: IRun, workflow: Workflow, executionId: string, kling = 'Kling'): EngineRun {
	const stored = JSON.parse(JSON.stringify(run.data)) as IRunExecutionData;
	const outputAt = (index: number) => (nodeName = kling) => {
		const runs = run.data.resultData.runData[nodeName] ?? [];
		const last = runs[runs.length - 1];
		return last?.data?.main?.[index] ?? [];
	};
	return { run, workflow, executionId, stored, output: outputAt(0), errorOutput: outputAt(1) };
}

async function execute(
	workflow: Workflow,
	options: EngineOptions,
	executionId: string,
	runExecutionData: IRunExecutionData | undefined,
	abortController?: AbortController,
): Promise<IRun> {
	await initBinaryData();
	const additionalData = additionalDataFor(options, executionId);
	let timeLimit: NodeJS.Timeout | undefined;
	if (options.executionTimeoutMs !== undefined) {
		additionalData.executionTimeoutTimestamp = Date.now() + options.executionTimeoutMs;
		const cut = new AbortController();
		timeLimit = setTimeout(() => cut.abort(), options.executionTimeoutMs);
		abortController = abortController ? ({ signal: AbortSignal.any([abortController.signal, cut.signal]) } as AbortController) : cut;
	}
	try {
		return await runWith(workflow, additionalData, executionId, runExecutionData, abortController);
	} finally {
		clearTimeout(timeLimit);
	}
}

async function runWith(
	workflow: Workflow,
	additionalData: IWorkflowExecuteAdditionalData,
	executionId: string,
	runExecutionData: IRunExecutionData | undefined,
	abortController?: AbortController,
): Promise<IRun> {
	const hooks = new ExecutionLifecycleHooks('manual', executionId, {
		id: workflow.id,
		name: workflow.name,
		active: false,
		isArchived: false,
		nodes: Object.values(workflow.nodes),
		connections: workflow.connectionsBySourceNode,
		createdAt: new Date(),
		updatedAt: new Date(),
		activeVersionId: null,
	} as never);
	additionalData.hooks = hooks;
	const mode: WorkflowExecuteMode = 'manual';
	if (runExecutionData) {
		const workflowExecute = new WorkflowExecute(additionalData, mode, runExecutionData);
		const process = workflowExecute.processRunExecutionData(workflow);
		if (abortController) abortController.signal.addEventListener('abort', () => process.cancel());
		return await process;
	}
	const start = workflow.getNode('Items') as INode;
	const data = createRunExecutionData({
		executionData: { nodeExecutionStack: [{ node: start, data: { main: [[{ json: {} }]] }, source: null }] },
	});
	// n8n's CLI gives every execution a resume token; resume URLs carry it.
	data.resumeToken = `token-${executionId}`;
	const workflowExecute = new WorkflowExecute(additionalData, mode, data);
	const process = workflowExecute.processRunExecutionData(workflow);
	if (abortController) abortController.signal.addEventListener('abort', () => process.cancel());
	return await process;
}

/** Runs Items → Kling through n8n-core's real WorkflowExecute. */
export async function runKling(
	options: EngineOptions,
	items: IDataObject[],
	kling: KlingNodeSpec,
	abortController?: AbortController,
): Promise<EngineRun> {
	const executionId = String(++executionCounter);
	const workflow = buildWorkflow(items, kling);
	const run = await execute(workflow, options, executionId, undefined, abortController);
	return toEngineRun(run, workflow, executionId, kling.name);
}

export interface WebhookCall {
	status: number;
	body: unknown;
	/** Set when the webhook resumed the execution: the finished run. */
	resumed?: EngineRun;
	/** Whether the node wrote the answer itself, before n8n got its result (else n8n answered, after starting the resume). */
	answeredByNode: boolean;
}

/**
 * Delivers one HTTP request to the paused Kling node the way n8n's WaitingWebhooks does: from the stored
 * execution, through n8n-core's WebhookContext, and, when the node returns workflow data, resumes the run with it.
 */
export async function deliverToWaiting(
	waiting: EngineRun,
	options: EngineOptions,
	request: { body: unknown; query?: IDataObject; headers?: IDataObject },
	kling: KlingNodeSpec,
): Promise<WebhookCall> {
	await initBinaryData();
	const stored = JSON.parse(JSON.stringify(waiting.stored)) as IRunExecutionData;
	const workflow = buildWorkflow([], kling);
	const nodeName = kling.name ?? 'Kling';
	const node = workflow.getNode(nodeName) as INode;
	const additionalData = additionalDataFor(options, waiting.executionId);
	let status = 200;
	let responseBody: unknown;
	let sent = false;
	const res = {
		headersSent: false,
		status(code: number) {
			status = code;
			return res;
		},
		json(body: unknown) {
			responseBody = body;
			sent = true;
			res.headersSent = true;
			return res;
		},
		send(body: unknown) {
			return res.json(body);
		},
		end() {
			sent = true;
			return res;
		},
		setHeader() {
			return res;
		},
	};
	additionalData.httpRequest = {
		body: request.body,
		query: request.query ?? {},
		headers: request.headers ?? { 'content-type': 'application/json' },
		params: {},
		method: 'POST',
	} as unknown as ReturnType<IWebhookFunctions['getRequestObject']>;
	additionalData.httpResponse = res as unknown as ReturnType<IWebhookFunctions['getResponseObject']>;
	const webhookData = {
		httpMethod: 'POST',
		node: nodeName,
		path: '',
		webhookDescription: new Kling().description.webhooks?.[0],
		workflowId: workflow.id,
		workflowExecuteAdditionalData: additionalData,
	} as unknown as IWebhookData;
	const context = new WebhookContext(workflow, node, additionalData, 'webhook', webhookData, [], stored);
	const nodeType = nodeTypes.getByNameAndVersion(node.type, 1);
	const result = await (nodeType.webhook as NonNullable<INodeType['webhook']>).call(context);
	const answeredByNode = sent;
	if (!sent && result.webhookResponse !== undefined) responseBody = result.webhookResponse;
	if (result.workflowData === undefined) return { status, body: responseBody, answeredByNode };

	// What n8n's WaitingWebhooks and webhook helpers do before running the rest of the workflow.
	stored.waitTill = undefined;
	const entry = stored.executionData?.nodeExecutionStack[0];
	if (!entry) throw new Error('The stored execution has nothing waiting');
	entry.node.disabled = true;
	entry.data.main = result.workflowData;
	entry.metadata = { ...entry.metadata, forwardAllOutputs: true };
	const runs = stored.resultData.runData[nodeName];
	runs?.pop();
	const run = await execute(workflow, options, waiting.executionId, stored);
	return { status, body: responseBody, answeredByNode, resumed: toEngineRun(run, workflow, waiting.executionId, kling.name) };
}

/** What n8n's wait tracker does when a paused execution's wait limit passes first. */
export async function expireWait(waiting: EngineRun, options: EngineOptions, kling: KlingNodeSpec): Promise<EngineRun> {
	const stored = JSON.parse(JSON.stringify(waiting.stored)) as IRunExecutionData;
	stored.waitTill = new Date();
	const workflow = buildWorkflow([], kling);
	const run = await execute(workflow, options, waiting.executionId, stored);
	return toEngineRun(run, workflow, waiting.executionId, kling.name);
}

/** A local HTTP server whose URL stands in for n8n's webhook-waiting base; it records requests for the test. */
export async function startCallbackReceiver(
	handle: (request: { url: string; body: unknown }) => Promise<{ status: number; body: unknown }>,
): Promise<{ url: string; close(): Promise<void> }> {
	const server = createServer((req: IncomingMessage, res: ServerResponse) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			let body: unknown;
			try {
				body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
			} catch {
				body = Buffer.concat(chunks).toString('utf8');
			}
			handle({ url: req.url ?? '/', body })
				.then(({ status, body: answer }) => {
					res.writeHead(status, { 'content-type': 'application/json' });
					res.end(JSON.stringify(answer ?? {}));
				})
				.catch((error: unknown) => {
					res.writeHead(500, { 'content-type': 'application/json' });
					res.end(JSON.stringify({ error: String(error) }));
				});
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		close: async () =>
			await new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}
