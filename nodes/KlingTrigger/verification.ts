import type { IWebhookFunctions } from 'n8n-workflow';

import { systemClock, type Clock } from '../shared/clock';
import { createClient } from '../shared/createClient';
import { isUnknownTask } from '../shared/failures';
import type { TaskStatus } from '../shared/taskResult';
import { isEnded } from '../shared/taskResult';

// Confirming a callback with APIXO's status endpoint, after APIXO has had its 200.

/**
 * How long the trigger keeps trying to confirm a callback it has answered: the pauses between attempts. They add
 * up to 3.5 minutes — as long as APIXO itself would have kept delivering a callback that was not answered 200
 * (30 + 60 + 120 s) — so a passing failure gets at least the chances APIXO's own retries would have given it.
 * Mutable for tests only.
 */
export const verifySchedule = {
	pausesMs: [1000, 2000, 4000, 8000, 15_000, 30_000, 30_000, 60_000, 60_000],
	/**
	 * One attempt — the credential from n8n's database, then the status read with the client's own quick retries of
	 * 429/5xx and network errors — may take this long. Generous: in a burst n8n's database pool and event loop are
	 * the slow part, and an attempt cut short only adds another one to the queue.
	 */
	attemptTimeoutMs: 60_000,
	clock: systemClock as Clock,
};

export type Verification =
	/** APIXO confirms the task ended: its state and URLs are what the workflow gets. */
	| { kind: 'confirmed'; status: TaskStatus }
	/** APIXO does not know the task (for this credential's key): a forged or misdirected callback. */
	| { kind: 'unknown' }
	/** APIXO still reports the task as not ended after every attempt: the real callback comes when it ends. */
	| { kind: 'notEnded'; state: string }
	/** No attempt could read the task (network, APIXO errors, credential): the reason of the last one. */
	| { kind: 'unreadable'; reason: string };

type Attempt = Verification | { kind: 'retry'; reason: string; state?: string };

async function readOnce(context: IWebhookFunctions, taskId: string): Promise<Attempt> {
	let status: TaskStatus;
	try {
		const client = await createClient(context, {
			signal: AbortSignal.timeout(verifySchedule.attemptTimeoutMs),
			clock: verifySchedule.clock,
			maxRetries: 2,
			shareCredentialRead: true,
		});
		status = await client.getStatus(taskId);
	} catch (error) {
		// The callback has been answered, so APIXO will not deliver it again: every failure but an unknown task is
		// tried again on the schedule, even one final for a request of the Kling node (the credential may be fixed).
		if (isUnknownTask(error)) return { kind: 'unknown' };
		return { kind: 'retry', reason: (error as { message?: string }).message ?? 'unknown error' };
	}
	if (!isEnded(status.state)) return { kind: 'retry', reason: `APIXO reports the task as "${String(status.state)}"`, state: String(status.state) };
	return { kind: 'confirmed', status: { ...status, taskId } };
}

/**
 * Reads the task until APIXO confirms it ended, says it does not know it, or the schedule is used up. A callback
 * that overtook the status endpoint (the task not ended yet) is read again like any passing failure.
 */
export async function verifyTask(context: IWebhookFunctions, taskId: string): Promise<Verification> {
	for (let attempt = 0; ; attempt++) {
		const result = await readOnce(context, taskId);
		if (result.kind !== 'retry') return result;
		const pause = verifySchedule.pausesMs[attempt];
		if (pause === undefined) {
			return result.state !== undefined ? { kind: 'notEnded', state: result.state } : { kind: 'unreadable', reason: result.reason };
		}
		context.logger.warn(`Kling Trigger could not confirm task ${taskId} with APIXO yet (${result.reason}); trying again in ${pause / 1000} s`);
		await verifySchedule.clock.sleep(pause);
	}
}
