import type { Clock } from './clock';

/**
 * Paces requests so that no 60-second window holds more than `requestsPerMinute` of them, the way APIXO counts
 * (10,000 requests per minute per key). Each request gets the next free slot, one every 60 s / limit, so a
 * batch of thousands of items spreads evenly instead of bursting into 429s. A small safety margin covers the
 * difference between when a request leaves here and when the API counts it.
 */
export class RequestBudget {
	private nextSlot = 0;

	readonly spacingMs: number;

	constructor(
		readonly requestsPerMinute: number,
		private readonly clock: Clock,
	) {
		this.spacingMs = (60_000 / requestsPerMinute) * 1.02;
	}

	/** Waits for this request's slot. Slots are handed out in call order. */
	async take(signal?: AbortSignal): Promise<void> {
		const now = this.clock.now();
		const slot = Math.max(now, this.nextSlot);
		this.nextSlot = slot + this.spacingMs;
		await this.clock.sleep(slot - now, signal);
	}

	/** When the next request could go out (for the wait engine's schedule). */
	nextFreeAt(): number {
		return Math.max(this.clock.now(), this.nextSlot);
	}
}

const budgets = new Map<string, RequestBudget>();

/**
 * One budget per API key and limit in this process, shared by every item and execution that uses the key:
 * the API's limit is per key, not per node. (Separate n8n processes, such as queue-mode workers, each keep
 * their own; see the README.)
 */
export function sharedBudget(keyFingerprint: string, requestsPerMinute: number, clock: Clock): RequestBudget {
	const id = `${keyFingerprint}:${requestsPerMinute}`;
	let budget = budgets.get(id);
	if (!budget) {
		budget = new RequestBudget(requestsPerMinute, clock);
		budgets.set(id, budget);
	}
	return budget;
}
