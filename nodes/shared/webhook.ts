import type { IDataObject, IWebhookFunctions } from 'n8n-workflow';

/**
 * Webhook lifecycle for webhooks APIXO needs no registration for: it takes the callback URL with each task.
 * n8n's lint (webhook-lifecycle-complete) asks webhook nodes to say so explicitly.
 */
export const noRegistrationNeeded = {
	default: {
		async checkExists(): Promise<boolean> {
			return true;
		},
		async create(): Promise<boolean> {
			return true;
		},
		async delete(): Promise<boolean> {
			return true;
		},
	},
};

/** Answers a webhook call with a JSON body; the node then returns `noWebhookResponse` so n8n adds no answer of its own. */
export function answer(context: IWebhookFunctions, status: number, body: IDataObject): void {
	context.getResponseObject().status(status).json(body);
}
