import type { IDataObject, INodeProperties } from 'n8n-workflow';

import { optionsProperty } from '../../options';

/** Generate Video's fields, as the editor shows them. */

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
		placeholder: 'e.g. https://example.com/first-frame.jpg',
		description: 'Public URL of the first frame (JPG, PNG or WebP, at most 10 MB). APIXO must be able to download it.',
		displayOptions: show({ mode: ['imageToVideo'] }),
	},
	{
		displayName: 'End Image URL',
		name: 'endImageUrl',
		type: 'string',
		default: '',
		placeholder: 'e.g. https://example.com/last-frame.jpg',
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
				placeholder: 'e.g. https://your-n8n.example.com/webhook/…',
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
