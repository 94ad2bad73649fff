import { sleep } from 'n8n-workflow';

/** Time as the nodes see it (polling, the request budget, caches, pauses); tests drive a fake one. */
export interface Clock {
	now(): number;
	/** Resolves after `ms`, or rejects with the signal's reason once it aborts. */
	sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Why a signal aborted; `fallback` names the cancellation for a signal aborted without a reason. */
export function abortReason(signal: AbortSignal, fallback = 'Aborted'): unknown {
	return signal.reason ?? new Error(fallback);
}

/**
 * A sleep that ends as soon as the signal aborts. n8n's community-node rules forbid timer globals in node code,
 * so the timer is n8n-workflow's `sleep`; it honours a signal only from n8n 2.x, so the abort is raced here too
 * (on 1.x the timer then runs out unobserved).
 */
async function cancellableSleep(ms: number, signal?: AbortSignal): Promise<void> {
	if (!signal) return await sleep(ms);
	let onAbort: (() => void) | undefined;
	const aborted = new Promise<never>((_, reject) => {
		onAbort = () => reject(abortReason(signal));
		signal.addEventListener('abort', onAbort, { once: true });
	});
	try {
		await Promise.race([sleep(ms, signal), aborted]);
	} finally {
		signal.removeEventListener('abort', onAbort as () => void);
	}
}

export const systemClock: Clock = {
	now: () => Date.now(),
	sleep: async (ms, signal) => {
		if (signal?.aborted) throw abortReason(signal);
		if (ms <= 0) return;
		await cancellableSleep(ms, signal);
	},
};
