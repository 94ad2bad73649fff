import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INode, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';

import type { ApixoClient, SubmitBody } from '../../../shared/ApixoClient';
import { pollTasks } from '../../poll/pollTasks';
import { isTransientRead, isUnknownTask } from '../../../shared/failures';
import { systemClock, type Clock } from '../../../shared/clock';
import { mapConcurrent } from '../../concurrency';
import { MODEL } from '../../../shared/constants';
import { createClient } from '../../../shared/createClient';
import { allTasksLine, checkEveryItem, failureOf, isFailure, toNodeOutput, type ItemFailure, type ItemOutcome, type ItemResult } from '../../outcomes';
import { addHint, runsAsAgentTool } from '../../../shared/compat';
import { pauseForCallbacks, prepareCallbackWait, type WaitRecord } from '../../callbackWait/resume';
import { callbackUnreachable } from '../../callbackWait/reachability';
import { toTaskResult, type TaskRequestFields, type TaskStatus } from '../../../shared/taskResult';
import { fingerprints, TaskLedger, type LedgerEntry } from '../../reuse/taskLedger';
import { InputValidator } from '../../validation';
import type { PendingTask } from '../../poll/scheduler';
import { optionsProperty, readOptions, type NodeOptions } from '../../options';
import { asNodeError } from '../../../shared/errors';

const show = (extra: IDataObject = {}) => ({ show: { operation: ['generate'], ...extra } });

export const generateProperties: INodeProperties[] = [
	{
		displayName: 'Mode',
		name: 'mode',
		type: 'options',
		noDataExpression: true,
		displayOptions: show(),
		options: [
			{ name: 'Text to Video', value: 'textToVideo', description: 'Make a video from a text prompt' },
			{
				name: 'Image to Video',
				value: 'imageToVideo',
				description: 'Animate a start image, optionally towards an end image',
			},
		],
		default: 'textToVideo',
	},
	{
		displayName: 'Prompt',
		name: 'prompt',
		type: 'string',
		typeOptions: { rows: 4 },
		required: true,
		default: '',
		placeholder: 'e.g. A red fox runs through fresh snow at sunrise, cinematic, slow motion',
		description: 'What the video should show: subject, action, setting, camera and style. Up to 2,500 characters.',
		displayOptions: show(),
	},
	{
		displayName: 'Start Image URL',
		name: 'startImageUrl',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'https://example.com/first-frame.jpg',
		description: 'Public URL of the first frame (JPG, PNG or WebP, at most 10 MB). APIXO must be able to download it.',
		displayOptions: show({ mode: ['imageToVideo'] }),
	},
	{
		displayName: 'End Image URL',
		name: 'endImageUrl',
		type: 'string',
		default: '',
		placeholder: 'https://example.com/last-frame.jpg',
		description: 'Optional public URL of the last frame: the video moves from the start image to this one',
		displayOptions: show({ mode: ['imageToVideo'] }),
	},
	{
		displayName: 'Duration',
		name: 'duration',
		type: 'options',
		options: [
			{ name: '5 Seconds', value: 5 },
			{ name: '10 Seconds', value: 10 },
		],
		default: 5,
		description: 'Length of the video. A 5 s video takes about 30–45 s to make, a 10 s one about 45–60 s.',
		displayOptions: show(),
	},
	{
		displayName: 'Aspect Ratio',
		name: 'aspectRatio',
		type: 'options',
		options: [
			{ name: '16:9 (Landscape)', value: '16:9' },
			{ name: '9:16 (Portrait)', value: '9:16' },
			{ name: '1:1 (Square)', value: '1:1' },
		],
		default: '16:9',
		description: 'Shape of the video. Image to video keeps the shape of the start image.',
		displayOptions: show({ mode: ['textToVideo'] }),
	},
	{
		displayName: 'Wait for Result',
		name: 'waitMode',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Wait (Poll)',
				value: 'poll',
				description: 'Check the tasks until they end, then output the videos. Works everywhere.',
			},
			{
				name: 'Wait (Pause Until Callback)',
				value: 'callback',
				description:
					'Pause the execution, holding no worker, until APIXO calls back. Needs an n8n reachable from the internet (WEBHOOK_URL).',
			},
			{ name: "Don't Wait", value: 'none', description: 'Output the task IDs at once' },
		],
		default: 'poll',
		displayOptions: show(),
	},
	{
		displayName:
			'APIXO must reach this n8n: set WEBHOOK_URL to its public address. On localhost or a private network the node polls instead and says so.',
		name: 'callbackNotice',
		type: 'notice',
		default: '',
		displayOptions: show({ waitMode: ['callback'] }),
	},
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add field',
		default: {},
		displayOptions: show(),
		options: [
			{
				displayName: 'Callback URL',
				name: 'callbackUrl',
				type: 'string',
				default: '',
				placeholder: 'https://your-n8n.example.com/webhook/…',
				description:
					'Where APIXO should send the result when the task ends, e.g. the production URL of a Kling Trigger (token included)',
				displayOptions: { hide: { '/waitMode': ['callback'] } },
			},
			{
				displayName: 'CFG Scale',
				name: 'cfgScale',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 1 },
				default: 0.5,
				description: 'How strictly to follow the prompt, 0 to 1: 0.3–0.5 creative, 0.6–0.8 balanced, 0.9–1 strict',
			},
			{
				displayName: 'Negative Prompt',
				name: 'negativePrompt',
				type: 'string',
				typeOptions: { rows: 2 },
				default: '',
				placeholder: 'e.g. blur, distortion, text, watermark',
				description: 'What the video should avoid. Up to 2,500 characters.',
			},
			{
				displayName: 'Provider',
				name: 'provider',
				type: 'options',
				options: [
					{ name: 'Auto', value: 'auto', description: 'Let APIXO pick the route' },
					{ name: 'Value', value: 'value', description: 'Prefer the lower-cost route' },
					{ name: 'Official', value: 'official', description: 'Use the official Kling route' },
				],
				default: 'auto',
				description: "APIXO's routing strategy for the task",
			},
		],
	},
	optionsProperty('generate'),
];

interface SubmitRequest {
	itemIndex: number;
	body: SubmitBody;
	/** What the output says of the request (never the Callback URL, which may carry a token). */
	request: TaskRequestFields;
}

/** Reads and checks one item's fields; throws an error naming the field and the item. */
function buildRequest(context: IExecuteFunctions, itemIndex: number): SubmitRequest {
	const check = new InputValidator(context.getNode(), itemIndex);
	const mode = check.oneOf('Mode', context.getNodeParameter('mode', itemIndex), ['textToVideo', 'imageToVideo'] as const);
	const prompt = check.text('Prompt', context.getNodeParameter('prompt', itemIndex, ''), { required: true }) as string;
	const duration = Number(context.getNodeParameter('duration', itemIndex, 5));
	check.oneOf('Duration', duration, [5, 10]);
	const extra = context.getNodeParameter('additionalFields', itemIndex, {}) as IDataObject;
	const negativePrompt = check.text('Negative Prompt', extra.negativePrompt, { required: false });
	const cfgScale = check.cfgScale('CFG Scale', extra.cfgScale);
	const provider = check.oneOf('Provider', extra.provider ?? 'auto', ['auto', 'value', 'official'] as const);
	const callbackUrl = check.url('Callback URL', extra.callbackUrl, { required: false });

	const input: IDataObject = { prompt, duration };
	const request: TaskRequestFields = { model: MODEL, duration };
	if (mode === 'textToVideo') {
		const aspectRatio = check.oneOf('Aspect Ratio', context.getNodeParameter('aspectRatio', itemIndex, '16:9'), [
			'16:9',
			'9:16',
			'1:1',
		]);
		Object.assign(input, { mode: 'text-to-video', aspect_ratio: aspectRatio });
		Object.assign(request, { mode: 'text-to-video', aspectRatio });
	} else {
		const start = check.url('Start Image URL', context.getNodeParameter('startImageUrl', itemIndex, ''), { required: true });
		const end = check.url('End Image URL', context.getNodeParameter('endImageUrl', itemIndex, ''), { required: false });
		const imageUrls = end ? [start as string, end] : [start as string];
		Object.assign(input, { mode: 'image-to-video', image_urls: imageUrls });
		Object.assign(request, { mode: 'image-to-video', startImageUrl: start, ...(end ? { endImageUrl: end } : {}) });
	}
	if (negativePrompt !== undefined) input.negative_prompt = negativePrompt;
	if (cfgScale !== undefined) input.cfg_scale = cfgScale;

	const body: SubmitBody = { request_type: 'async', provider, input };
	if (callbackUrl) {
		body.request_type = 'callback';
		body.callback_url = callbackUrl;
	}
	return { itemIndex, body, request };
}

type WaitMode = 'none' | 'poll' | 'callback';

/**
 * A callback that reaches the execution before it pauses is refused by n8n (409), and APIXO retries for about
 * a minute after a task ends, which is 30 s or more after its submit. Submitting must end well within that.
 */
const MAX_SUBMIT_WINDOW_MS = 60_000;

/**
 * The most items one paused execution waits for. Every callback costs n8n about 0.1 s of CPU before the node
 * decides anything (it loads the whole waiting execution), and the tasks of a batch often end together: measured
 * on 2 cores, 50 callbacks at once were answered cleanly, 100 were not (answers past APIXO's 30 s, redeliveries,
 * database-pool timeouts; see the README's Performance section). Above this size the node polls instead.
 */
export const MAX_CALLBACK_ITEMS = 50;

/** Why this batch is polled rather than paused (checked before anything is submitted), or undefined to pause. */
function reasonToPoll(
	context: IExecuteFunctions,
	taskCount: number,
	options: NodeOptions,
	resumeUrl: string,
	apiBaseUrl: string,
): string | undefined {
	if (!/^https?:\/\/[^/]/i.test(resumeUrl)) {
		return `This n8n gave no resume URL for the execution ("${resumeUrl.slice(0, 100)}"), so the node polled instead of pausing.`;
	}
	if (callbackUnreachable(resumeUrl, apiBaseUrl)) {
		return "APIXO cannot reach this n8n's resume URL (a localhost or private address), so the node polled instead of pausing. Set WEBHOOK_URL to n8n's public address to pause until the callback.";
	}
	if (taskCount > MAX_CALLBACK_ITEMS) {
		return `${taskCount} items are more than one paused execution waits for (${MAX_CALLBACK_ITEMS}): their callbacks would arrive faster than n8n resumes reliably, so the node polled instead of pausing. Split the batch (e.g. Loop Over Items) to pause until the callback.`;
	}
	if (taskCount * (60_000 / options.requestsPerMinute) > MAX_SUBMIT_WINDOW_MS) {
		return `Submitting ${taskCount} tasks at ${options.requestsPerMinute} requests per minute takes longer than APIXO keeps retrying the callbacks of the first ones (n8n refuses them until the execution pauses), so the node polled instead of pausing. Split the batch or raise Requests per Minute to pause until the callback.`;
	}
	if (typeof context.putExecutionToWait !== 'function') {
		return 'This n8n cannot pause an execution from a node, so the node polled instead.';
	}
	return undefined;
}

export async function executeGenerate(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const node = this.getNode();
	const items = this.getInputData();
	// Inside an AI Agent every failure is a tool result the agent can read, not a crash of its run.
	const asTool = runsAsAgentTool(this);
	const continueOnFail = asTool || this.continueOnFail();
	const options = readOptions(this);
	let waitMode = this.getNodeParameter('waitMode', 0, 'poll') as WaitMode;
	if (asTool && waitMode === 'callback') {
		// A tool call must answer within the agent's run: pausing the execution cannot work there.
		addHint(this, 'Inside an AI Agent the node cannot pause the execution, so it waited by polling (bounded by the Timeout option).');
		waitMode = 'poll';
	}
	const signal = this.getExecutionCancelSignal();
	const clock = systemClock;

	// 1. Every item is checked before the first request, so bad input never costs a task.
	const { valid: requests, failures } = checkEveryItem(node, items.length, continueOnFail, (itemIndex) => buildRequest(this, itemIndex));
	const outcomes: ItemOutcome[] = [...failures];

	// Download Video stores the file through n8n's binary data helpers: checked before anything is paid for.
	if (options.results.downloadVideo && waitMode !== 'none' && typeof this.helpers.prepareBinaryData !== 'function') {
		throw new NodeOperationError(node, 'This n8n cannot store binary data from a node, so Download Video cannot work here', {
			description: 'Turn off Download Video (the output keeps the video URL) and run again. Nothing was submitted.',
		});
	}
	const client = await createClient(this, { requestsPerMinute: options.requestsPerMinute, signal, clock });

	// 2. A task an earlier run of this node paid for with the very same request, and never delivered, is picked
	// up instead of paid for again (unless it failed or APIXO no longer knows it).
	const ledger = options.reuseWindowMs > 0 ? TaskLedger.open(this, options.reuseWindowMs, clock.now) : undefined;
	const fingerprintOf = new Map<number, string>();
	const reused: Array<{ task: PendingTask; status?: TaskStatus }> = [];
	let toSubmit = requests;
	if (ledger) {
		const all = fingerprints(client.account, requests.map((request) => request.body));
		requests.forEach((request, index) => fingerprintOf.set(request.itemIndex, all[index]));
		reused.push(...(await pickUpUndelivered(node, client, ledger, requests, fingerprintOf, options, clock, continueOnFail)));
		const reusedItems = new Set(reused.map(({ task }) => task.key));
		toSubmit = requests.filter((request) => !reusedItems.has(request.itemIndex));
	}

	// 3. Pausing only makes sense if APIXO can reach this n8n's resume URL and this n8n can pause: all checked
	// before the first submit, so a paid task never meets a pause that cannot work.
	let resumeUrl: string | undefined;
	if (waitMode === 'callback' && requests.length > 0) {
		resumeUrl = String(this.evaluateExpression('{{ $execution.resumeUrl }}', 0));
		const fallback =
			reused.length > 0
				? `${reused.length} of the tasks were picked up from an earlier run (reused: true); their callbacks go to that run, so the node polled instead of pausing.`
				: reasonToPoll(this, requests.length, options, resumeUrl, client.baseUrl);
		if (fallback) {
			addHint(this, fallback);
			waitMode = 'poll';
			resumeUrl = undefined;
		} else {
			try {
				prepareCallbackWait(this, options);
			} catch {
				// webhook() then reads the node's options itself
			}
		}
	}

	// 4. Submit, a bounded number at once. After the first failure (without Continue On Fail) nothing new is
	// started, the submits in flight finish, and the error lists every task already created.
	const submitted: PendingTask[] = [];
	const submitFailures: ItemFailure[] = [];
	await mapConcurrent(
		toSubmit,
		options.schedule.concurrency,
		async ({ itemIndex, body, request }) => {
			const finalBody: SubmitBody = resumeUrl ? { ...body, request_type: 'callback', callback_url: resumeUrl } : body;
			try {
				const taskId = await client.submit(finalBody, itemIndex);
				// A paused run is resumed by its callbacks, not by this code: its tasks are not kept for reuse.
				if (!resumeUrl) ledger?.record(fingerprintOf.get(itemIndex) as string, taskId);
				submitted.push({ key: itemIndex, taskId, submittedAt: clock.now(), lastState: 'pending', request });
			} catch (error) {
				if (signal?.aborted) throw asNodeError(node, error);
				submitFailures.push(failureOf(itemIndex, error));
			}
		},
		() => !continueOnFail && submitFailures.length > 0,
	);
	const submittedOutcomes: ItemOutcome[] = [
		...reused.map(({ task, status }) => ({ itemIndex: task.key, result: toTaskResult(status ?? { taskId: task.taskId, state: task.lastState }, task.request) })),
		...submitted.map((task) => ({ itemIndex: task.key, result: toTaskResult({ taskId: task.taskId, state: 'pending' }, task.request) })),
	];
	if (submitFailures.length > 0 && !continueOnFail) {
		const first = submitFailures[0];
		const created = allTasksLine(submittedOutcomes);
		throw new NodeOperationError(node, first.error, {
			itemIndex: first.itemIndex,
			description: [
				first.description,
				created ? `${created} They were created (and are billed); follow them with Get Task Status.` : '',
			]
				.filter(Boolean)
				.join('\n\n'),
		});
	}
	outcomes.push(...submitFailures);

	// 5. Wait as asked; with nothing submitted there is nothing to wait for.
	const tasks = [...reused.map(({ task }) => task), ...submitted];
	if (waitMode === 'none' || tasks.length === 0) {
		// The task IDs are what Don't Wait delivers.
		return [toNodeOutput(node, delivered(ledger, fingerprintOf, [...outcomes, ...submittedOutcomes]), continueOnFail)];
	}
	if (waitMode === 'callback') {
		const records: WaitRecord[] = items.map(() => ({}));
		for (const outcome of outcomes) {
			if (isFailure(outcome)) records[outcome.itemIndex] = { error: outcome.error };
		}
		for (const outcome of submittedOutcomes) records[outcome.itemIndex] = (outcome as ItemResult).result;
		return await pauseForCallbacks(this, records, options.schedule.timeoutMs);
	}
	const polled = await pollTasks(this, node, client, tasks, options.schedule, options.results, clock, signal);
	return [toNodeOutput(node, delivered(ledger, fingerprintOf, [...outcomes, ...polled]), continueOnFail)];
}

/**
 * Reads each task the ledger holds for these requests: a failed task, or one APIXO no longer knows, is
 * forgotten and its item submitted again; any other is picked up (a read failing for a passing reason counts as
 * still running: the wait reads it again).
 */
async function pickUpUndelivered(
	node: INode,
	client: ApixoClient,
	ledger: TaskLedger,
	requests: SubmitRequest[],
	fingerprintOf: Map<number, string>,
	options: NodeOptions,
	clock: Clock,
	continueOnFail: boolean,
): Promise<Array<{ task: PendingTask; status?: TaskStatus }>> {
	const candidates = requests
		.map((request) => ({ request, entry: ledger.find(fingerprintOf.get(request.itemIndex) as string) }))
		.filter((candidate): candidate is { request: SubmitRequest; entry: LedgerEntry } => candidate.entry !== undefined);
	const picked: Array<{ task: PendingTask; status?: TaskStatus }> = [];
	await mapConcurrent(candidates, options.schedule.concurrency, async ({ request, entry }) => {
		let status: TaskStatus | undefined;
		try {
			status = await client.getStatus(entry.taskId, request.itemIndex);
		} catch (error) {
			if (isUnknownTask(error)) {
				ledger.forget(fingerprintOf.get(request.itemIndex) as string);
				return;
			}
			if (!isTransientRead(error) && !continueOnFail) throw asNodeError(node, error);
		}
		if (status?.state === 'failed') {
			ledger.forget(fingerprintOf.get(request.itemIndex) as string);
			return;
		}
		picked.push({
			task: {
				key: request.itemIndex,
				taskId: entry.taskId,
				// Checked at once by the wait: it was submitted long enough ago.
				submittedAt: clock.now() - options.schedule.initialDelayMs,
				lastState: status?.state ?? 'pending',
				request: { ...request.request, reused: true },
			},
			status,
		});
	});
	return picked;
}

/**
 * Items whose task reached the output are delivered: their tasks are never reused. A failed task is not
 * reused either (a new run submits it again); a timeout or a failed download leaves the task to be picked up.
 */
function delivered(ledger: TaskLedger | undefined, fingerprintOf: Map<number, string>, outcomes: ItemOutcome[]): ItemOutcome[] {
	if (!ledger) return outcomes;
	for (const outcome of outcomes) {
		const fingerprint = fingerprintOf.get(outcome.itemIndex);
		if (fingerprint === undefined) continue;
		if (!isFailure(outcome) || outcome.fields.state === 'failed') ledger.forget(fingerprint);
	}
	return outcomes;
}
