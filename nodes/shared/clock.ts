import { sleep } from 'n8n-workflow';

/** Time as the wait engine and the request budget see it; tests drive a fake one. */
export interface Clock {
	now(): number;
	/** Resolves after `ms`, or rejects with the signal's reason once it aborts. */
	sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

// n8n's community-node rules forbid timer globals in node code: `sleep` from n8n-workflow is the sanctioned way.
export const systemClock: Clock = {
	now: () => Date.now(),
	sleep: async (ms, signal) => {
		if (signal?.aborted) throw signal.reason ?? new Error('Aborted');
		if (ms <= 0) return;
		await sleep(ms, signal);
	},
};
