import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import {
	API_REQUESTS_PER_MINUTE,
	DEFAULT_INITIAL_DELAY_SECONDS,
	DEFAULT_POLL_INTERVAL_SECONDS,
	DEFAULT_TIMEOUT_MINUTES,
	RESULT_URL_LIFETIME_DAYS,
} from '../shared/constants';
import type { ResultSettings } from './endedTasks';
import type { WaitSchedule } from './task';

/** Generate Video only: picking up paid tasks that were never delivered, instead of paying again. */
const reuseOptions: INodeProperties[] = [
	{
		displayName: 'Reuse Undelivered Tasks',
		name: 'reuseTasks',
		type: 'boolean',
		default: true,
		description:
			'Whether a run picks up the task of an earlier run of this node with the very same request whose video never reached the output (e.g. the wait timed out, or a Retry after a failure), instead of paying for a new one. Delivered videos are never reused, nor tasks of an execution that is still running or waiting.',
	},
	{
		displayName: 'Reuse Window (Hours)',
		name: 'reuseWindow',
		type: 'number',
		typeOptions: { minValue: 0.001, numberPrecision: 3 },
		default: 24,
		description: 'With Reuse Undelivered Tasks on: how long after its submit an undelivered task may be picked up',
	},
];

/** The `options` collection shared by Generate Video and Get Task Status. */
export function optionsProperty(operation: 'generate' | 'getStatus'): INodeProperties {
	const whenWaiting = { show: { '/waitMode': ['poll', 'callback'] } };
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		description: 'These apply to the whole run, all items together; they are read from the first item',
		default: {},
		displayOptions: { show: { operation: [operation] } },
		options: [
			{
				displayName: 'Binary Property',
				name: 'binaryPropertyName',
				type: 'string',
				default: 'data',
				description: 'Name of the binary property the downloaded video is put in',
				displayOptions: { show: { downloadVideo: [true] } },
			},
			{
				displayName: 'Concurrency',
				name: 'concurrency',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 100 },
				default: 10,
				description: 'How many requests to APIXO may be in flight at once for this node (all items together)',
			},
			{
				displayName: 'Download Video',
				name: 'downloadVideo',
				type: 'boolean',
				default: false,
				description:
					`Whether to download the finished MP4 into binary data (as &lt;task ID&gt;.mp4), so it can be saved or uploaded. Result URLs expire after ${RESULT_URL_LIFETIME_DAYS} days.`,
			},
			{
				displayName: 'Initial Delay (Seconds)',
				name: 'initialDelay',
				type: 'number',
				typeOptions: { minValue: 0, numberPrecision: 2 },
				default: DEFAULT_INITIAL_DELAY_SECONDS,
				description: 'How long to wait after submitting before the first status check. APIXO advises 30 s: a video takes 30 s or more.',
				displayOptions: whenWaiting,
			},
			{
				displayName: 'Poll Interval (Seconds)',
				name: 'pollInterval',
				type: 'number',
				typeOptions: { minValue: 0.05, numberPrecision: 2 },
				default: DEFAULT_POLL_INTERVAL_SECONDS,
				description: 'Time between two status checks of the same task. APIXO advises 5 s.',
				displayOptions: whenWaiting,
			},
			{
				displayName: 'Requests per Minute',
				name: 'requestsPerMinute',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: API_REQUESTS_PER_MINUTE },
				default: API_REQUESTS_PER_MINUTE,
				description:
					'Budget of API requests per minute for the API key, shared by every node and execution in this n8n process that uses it: the lowest value any of them sets wins. APIXO allows 10,000.',
			},
			...(operation === 'generate' ? reuseOptions : []),
			{
				displayName: 'Timeout (Minutes)',
				name: 'timeout',
				type: 'number',
				typeOptions: { minValue: 0.01, numberPrecision: 2 },
				default: DEFAULT_TIMEOUT_MINUTES,
				description:
					'How long to wait for all the tasks together, a hard bound: a status check still running then is abandoned. Tasks still running are reported with their task IDs, to pick up with Get Task Status. Downloads have their own bound of 5 minutes per video.',
				displayOptions: whenWaiting,
			},
		],
	};
}

export interface NodeOptions {
	schedule: WaitSchedule;
	results: ResultSettings;
	requestsPerMinute: number;
	/** Generate Video: reuse undelivered tasks of earlier runs submitted within `windowMs` (off: 0). */
	reuseWindowMs: number;
}

/** Options are read once per run (from the first item): the wait covers all items together, as their descriptions say. */
export function readOptions(context: IExecuteFunctions): NodeOptions {
	return optionsFrom(context.getNodeParameter('options', 0, {}));
}

/** The options collection as n8n hands it over, with defaults and bounds applied. */
export function optionsFrom(raw: unknown): NodeOptions {
	const options = (raw ?? {}) as {
		initialDelay?: number;
		pollInterval?: number;
		timeout?: number;
		downloadVideo?: boolean;
		binaryPropertyName?: string;
		concurrency?: number;
		requestsPerMinute?: number;
		reuseTasks?: boolean;
		reuseWindow?: number;
	};
	const concurrency = Math.max(1, Math.floor(options.concurrency ?? 10));
	return {
		schedule: {
			initialDelayMs: Math.max(0, options.initialDelay ?? DEFAULT_INITIAL_DELAY_SECONDS) * 1000,
			pollIntervalMs: Math.max(50, (options.pollInterval ?? DEFAULT_POLL_INTERVAL_SECONDS) * 1000),
			timeoutMs: Math.max(600, (options.timeout ?? DEFAULT_TIMEOUT_MINUTES) * 60_000),
			concurrency,
		},
		results: {
			downloadVideo: options.downloadVideo === true,
			binaryPropertyName: (options.binaryPropertyName ?? 'data').trim() || 'data',
			downloadConcurrency: Math.min(concurrency, 4),
		},
		requestsPerMinute: Math.max(1, Math.min(API_REQUESTS_PER_MINUTE, options.requestsPerMinute ?? API_REQUESTS_PER_MINUTE)),
		reuseWindowMs: options.reuseTasks === false ? 0 : Math.max(0.001, options.reuseWindow ?? 24) * 3_600_000,
	};
}
