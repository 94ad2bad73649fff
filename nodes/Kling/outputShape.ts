import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties, IWebhookFunctions } from 'n8n-workflow';

import { TASK_FIELDS } from '../shared/taskResult';

// How much of each task the node outputs (n8n's UX guidelines: more than 10 fields → a Simplify choice; as an AI
// tool, an Output choice of Simplified, Raw or Selected Fields, since too many fields crowd an agent's context).
// Raw is the shape every earlier version output, and stays the default of the node.

/** The simplified item: at most 10 fields, the most used first, flat; `error`, `failCode` and `failMsg` say why a task failed. */
export const SIMPLIFIED_FIELDS = ['taskId', 'state', 'videoUrl', 'error', 'failCode', 'failMsg', 'mode', 'duration', 'aspectRatio', 'reused'] as const;

/** Fields Selected Fields offers: every task field and the ones a wait adds. */
const SELECTABLE_FIELDS = [...TASK_FIELDS, 'error', 'timedOut', 'waitExpired', 'waitingUntil'].filter((field) => field !== 'taskId');

const forTaskOperations = { operation: ['generate', 'getStatus'] };

export const outputShapeProperties: INodeProperties[] = [
	{
		displayName: 'Simplify',
		name: 'simplify',
		type: 'boolean',
		default: false,
		description: 'Whether to return a simplified version of the response instead of the raw data',
		hint: 'At most 10 fields per task: taskId, state, videoUrl, error, failCode, failMsg, mode, duration, aspectRatio, reused',
		displayOptions: { show: forTaskOperations, hide: { '@tool': [true] } },
	},
	{
		displayName: 'Output',
		name: 'output',
		type: 'options',
		default: 'simplified',
		options: [
			{ name: 'Simplified', value: 'simplified', description: 'At most 10 fields per task: taskId, state, videoUrl and what says why a task failed' },
			{ name: 'Raw', value: 'raw', description: 'Every field of the task' },
			{ name: 'Selected Fields', value: 'selected', description: 'The fields chosen below, and taskId' },
		],
		displayOptions: { show: { ...forTaskOperations, '@tool': [true] } },
	},
	{
		displayName: 'Fields',
		name: 'fields',
		type: 'multiOptions',
		default: ['state', 'videoUrl'],
		description: 'The fields to output besides taskId, which is always included',
		options: SELECTABLE_FIELDS.map((field) => ({ name: field, value: field })),
		displayOptions: { show: { ...forTaskOperations, output: ['selected'], '@tool': [true] } },
	},
];

export type OutputShape = { kind: 'raw' } | { kind: 'simplified' } | { kind: 'selected'; fields: string[] };

/**
 * The shape the node's settings ask for. As an AI tool, the Output choice (Simplified unless set); n8n before 1.123
 * does not tell a tool's parameters from a node's (`@tool`), so there the Simplify switch applies to both.
 */
export function readOutputShape(context: IExecuteFunctions | IWebhookFunctions, asTool: boolean): OutputShape {
	// The execute context reads a parameter for an item (the first: the shape is one per run), the webhook context has no items.
	const parameter = (name: string, fallback: unknown): unknown =>
		'getInputData' in context ? context.getNodeParameter(name, 0, fallback) : (context as IWebhookFunctions).getNodeParameter(name, fallback);
	// A fallback of undefined makes n8n throw for a parameter the node does not have (n8n 1.85 hides `@tool` ones).
	const output = asTool ? parameter('output', '') : '';
	if (output === 'raw') return { kind: 'raw' };
	if (output === 'selected') {
		const fields = parameter('fields', []);
		return { kind: 'selected', fields: Array.isArray(fields) ? fields.map(String) : [] };
	}
	if (output === 'simplified') return { kind: 'simplified' };
	const simplify = parameter('simplify', null);
	if (simplify === null || simplify === undefined) return asTool ? { kind: 'simplified' } : { kind: 'raw' };
	return simplify === true ? { kind: 'simplified' } : { kind: 'raw' };
}

/** An item n8n moves to the error output holds only these keys: left as it is. */
function isErrorOutputItem(json: IDataObject): boolean {
	return Object.keys(json).every((key) => key === 'error' || key === 'details' || key === 'message');
}

function pick(json: IDataObject, fields: readonly string[]): IDataObject {
	const picked: IDataObject = {};
	for (const field of fields) {
		if (json[field] !== undefined) picked[field] = json[field];
	}
	return picked;
}

/** The node's items in the asked shape; binary data and pairing are kept. */
export function shapeOutput(items: INodeExecutionData[], shape: OutputShape): INodeExecutionData[] {
	if (shape.kind === 'raw') return items;
	const fields = shape.kind === 'simplified' ? SIMPLIFIED_FIELDS : ['taskId', ...shape.fields.filter((field) => field !== 'taskId')];
	return items.map((item) => (isErrorOutputItem(item.json) ? item : { ...item, json: pick(item.json, fields) }));
}
