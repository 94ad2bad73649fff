import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { SubmitBody } from '../../../shared/ApixoClient';
import { MODEL } from '../../../shared/constants';
import type { TaskRequestFields } from '../../../shared/taskResult';
import { InputValidator } from '../../validation';

export interface SubmitRequest {
	itemIndex: number;
	body: SubmitBody;
	/** What the output says of the request (never the Callback URL, which may carry a token). */
	request: TaskRequestFields;
}

/** Reads and checks one item's fields; throws an error naming the field and the item. */
export function buildRequest(context: IExecuteFunctions, itemIndex: number): SubmitRequest {
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
