import type { IDataObject } from 'n8n-workflow';

import type { Simulator } from '../simulator';
import { deliverToWaiting, runKling, startCallbackReceiver, type EngineRun, type KlingNodeSpec, type WebhookCall } from './engine';
import { SECRET_KEY } from './fixtures';

/**
 * A paused execution whose resume URL is a local receiver: every request to it is handed to the Kling node's
 * webhook() through n8n-core's WebhookContext, from the execution as it was stored, as n8n's WaitingWebhooks does.
 */
export function pausedRunOn(sim: Simulator) {
	return async (items: IDataObject[], spec: KlingNodeSpec) => {
		let waiting: EngineRun | undefined;
		const calls: Array<WebhookCall & { at?: number; taskId?: string }> = [];
		let resumedOnce: (call: WebhookCall) => void = () => {};
		const resumed = new Promise<WebhookCall>((resolve) => (resumedOnce = resolve));
		let finished = false;
		const receiver = await startCallbackReceiver(async ({ body }) => {
			// n8n answers 409 once the execution has resumed (WaitingWebhooks: running or finished already).
			// Concurrent callbacks that all find every task ended race to resume; n8n lets only the first through.
			if (finished) return { status: 409, body: { message: 'The execution has finished already' } };
			const call = await deliverToWaiting(waiting as EngineRun, { baseUrl: sim.url, apiKey: SECRET_KEY }, { body }, spec);
			if (call.resumed && finished) return { status: 409, body: { message: 'The execution is running already' } };
			calls.push({ ...call, at: Date.now(), taskId: (body as { data?: { taskId?: string } })?.data?.taskId } as WebhookCall);
			if (call.resumed) {
				finished = true;
				resumedOnce(call);
			}
			return { status: call.status, body: call.body };
		});
		const api = { baseUrl: sim.url, apiKey: SECRET_KEY, webhookWaitingBaseUrl: `${receiver.url}/webhook-waiting` };
		waiting = await runKling(api, items, spec);
		return { waiting, calls, resumed, api, close: receiver.close };
	};
}
