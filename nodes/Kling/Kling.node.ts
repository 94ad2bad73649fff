import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { MAIN_CONNECTION, runsAsAgentTool } from '../shared/compat';
import { RESULT_URL_LIFETIME_DAYS } from '../shared/constants';
import { resumeOnCallback, resumeWebhook } from './wait/callbackWait/resume';
import { noRegistrationNeeded } from '../shared/webhook';
import { generateProperties } from './operations/generate/description';
import { executeGenerate } from './operations/generate/execute';
import { optionsFrom } from './options';
import { outputShapeProperties, readOutputShape, shapeOutput } from './outputShape';
import { executeGetBalance, getBalanceProperties } from './operations/getBalance';
import { executeGetStatus, getStatusProperties } from './operations/getStatus';

const operations = {
	generate: executeGenerate,
	getStatus: executeGetStatus,
	getBalance: executeGetBalance,
} as const;

export class Kling implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Kling',
		name: 'kling',
		icon: { light: 'file:kling.svg', dark: 'file:kling.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{ $parameter["operation"] === "generate" ? ($parameter["mode"] === "imageToVideo" ? "Image to Video" : "Text to Video") : $parameter["operation"] === "getStatus" ? "Get Task Status" : "Get Balance" }}',
		description: 'Make videos with Kling 2.5 Turbo Pro through the APIXO API',
		defaults: { name: 'Kling' },
		usableAsTool: true,
		inputs: [MAIN_CONNECTION],
		outputs: [MAIN_CONNECTION],
		credentials: [{ name: 'apixoApi', required: true }],
		// Serves only executions paused by "Wait (Pause Until Callback)"; see callbackWait/.
		webhooks: [resumeWebhook],
		properties: [
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'Generate Video',
						value: 'generate',
						action: 'Generate video',
						description: 'Make a video from a prompt, or from a start (and end) image',
					},
					{
						name: 'Get Task Status',
						value: 'getStatus',
						action: 'Get video task status',
						description: 'Read (or wait for) the state and result of a task by its ID',
					},
					{
						name: 'Get Balance',
						value: 'getBalance',
						action: 'Get account balance',
						description: 'Read the remaining APIXO balance in USD',
					},
				],
				default: 'generate',
			},
			...generateProperties,
			...getStatusProperties,
			...getBalanceProperties,
			...outputShapeProperties,
			{
				displayName: `Result URLs expire after ${RESULT_URL_LIFETIME_DAYS} days: turn on Download Video, or save the file, to keep it`,
				name: 'expiryNotice',
				type: 'notice',
				default: '',
				displayOptions: { show: { operation: ['generate', 'getStatus'] } },
			},
		],
	};

	// The resume webhook serves paused executions only (restartWebhook).
	webhookMethods = noRegistrationNeeded;

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const operation = this.getNodeParameter('operation', 0) as keyof typeof operations;
		const run = operations[operation];
		if (!run) {
			throw new NodeOperationError(this.getNode(), `The operation "${String(operation)}" is not known`, {
				description: 'Pick an operation in the node: Generate Video, Get Task Status or Get Balance.',
			});
		}
		const output = await run.call(this);
		if (operation === 'getBalance') return output;
		const shape = readOutputShape(this, runsAsAgentTool(this));
		return output.map((items) => shapeOutput(items, shape));
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const response = await resumeOnCallback(this, () => optionsFrom(this.getNodeParameter('options', {})));
		if (!response.workflowData) return response;
		// A paused run is never an agent's tool call (a tool polls), so the node's Simplify applies.
		const shape = readOutputShape(this, false);
		return { ...response, workflowData: response.workflowData.map((items) => shapeOutput(items, shape)) };
	}
}
