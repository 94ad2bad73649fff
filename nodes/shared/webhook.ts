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
