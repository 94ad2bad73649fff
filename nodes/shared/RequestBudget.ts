import type { Clock } from './clock';
import { API_REQUESTS_PER_MINUTE } from './constants';

/**
 * Paces requests so that no 60-second window holds more than `requestsPerMinute` of them, the way APIXO counts
 * (10,000 requests per minute per key). Each request gets the next free slot, one every 60 s / limit, so a
 * batch of thousands of items spreads evenly instead of bursting into 429s. A small safety margin covers the
 * difference between when a request leaves here and when the API counts it.
 */
export class RequestBudget {
	private nextSlot = 0;

	/** Limits asked for recently (limit → when last asked): the lowest of them paces every request. */
	private readonly asked = new Map<number, number>();

	constructor(
		private readonly defaultLimit: number,
		private readonly clock: Clock,
	) {}

	/** Time between two requests under the lowest limit asked for in the last minute. */
	spacingMs(now = this.clock.now()): number {
		let lowest = this.defaultLimit;
		for (const [limit, at] of this.asked) {
			if (now - at > 60_000) this.asked.delete(limit);
			else lowest = Math.min(lowest, limit);
		}
		return (60_000 / lowest) * 1.02;
	}

	/**
	 * Waits for this request's slot. Slots are handed out in call order. `requestsPerMinute` is the caller's own
	 * limit; while any caller on this key has asked for a lower one in the last minute, that one paces everyone.
	 */
	async take(signal?: AbortSignal, requestsPerMinute = this.defaultLimit): Promise<void> {
		const now = this.clock.now();
		this.asked.set(requestsPerMinute, now);
		const slot = Math.max(now, this.nextSlot);
		this.nextSlot = slot + this.spacingMs(now);
		await this.clock.sleep(slot - now, signal);
	}
}

/** One caller's use of a key's budget, with the limit its node sets. */
export interface BudgetShare {
	take(signal?: AbortSignal): Promise<void>;
}

const budgets = new Map<string, RequestBudget>();

/**
 * The budget of one API key in this process, shared by every node, item and execution that uses the key: the
 * API's limit is per key. The lowest Requests per Minute set by any node using the key in the last minute wins.
 * (Separate n8n processes, such as queue-mode workers, each keep their own; see the README.)
 */
export function sharedBudget(keyFingerprint: string, requestsPerMinute: number, clock: Clock): BudgetShare {
	let budget = budgets.get(keyFingerprint);
	if (!budget) {
		budget = new RequestBudget(API_REQUESTS_PER_MINUTE, clock);
		budgets.set(keyFingerprint, budget);
	}
	const shared = budget;
	return { take: async (signal) => await shared.take(signal, requestsPerMinute) };
}
