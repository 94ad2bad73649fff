/** Injected faults: a queue consumed in order, each fault taking `count` matching requests. */
import type { Fault, FaultEndpoint } from './types';

/** The endpoint a request is for; 'other' is an unknown path under /api/v1. */
export type Endpoint = Exclude<FaultEndpoint, 'any'> | 'other';

const ENDPOINTS: readonly FaultEndpoint[] = ['generate', 'status', 'balance', 'files', 'any'];
const STATUSES: readonly number[] = [400, 401, 402, 403, 404, 429, 500, 503];

export class FaultQueue {
	private queue: { fault: Fault; remaining: number; letThrough: number }[] = [];

	add(fault: Fault): void {
		this.queue.push({ fault, remaining: fault.count ?? 1, letThrough: fault.after ?? 0 });
	}

	/** The first queued fault that matches, spending one of its uses (or one of the requests it lets through first). */
	take(endpoint: Endpoint): Fault | undefined {
		const index = this.queue.findIndex(({ fault }) =>
			fault.endpoint === 'any' ? endpoint !== 'files' : fault.endpoint === endpoint,
		);
		if (index < 0) return undefined;
		const entry = this.queue[index];
		if (entry.letThrough > 0) {
			entry.letThrough--;
			return undefined;
		}
		if (--entry.remaining <= 0) this.queue.splice(index, 1);
		return entry.fault;
	}

	clear(): void {
		this.queue = [];
	}
}

/** Checks a fault received over HTTP; returns why it is invalid, or undefined. */
export function faultProblem(value: unknown): string | undefined {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'a fault must be an object';
	const fault = value as Record<string, unknown>;
	if (!ENDPOINTS.includes(fault.endpoint as FaultEndpoint)) return `endpoint must be one of ${ENDPOINTS.join(', ')}`;
	if (fault.count !== undefined && !(Number.isInteger(fault.count) && (fault.count as number) > 0)) {
		return 'count must be a positive integer';
	}
	if (fault.after !== undefined && !(Number.isInteger(fault.after) && (fault.after as number) >= 0)) {
		return 'after must be a whole number';
	}
	if (fault.status !== undefined && !STATUSES.includes(fault.status as number)) {
		return `status must be one of ${STATUSES.join(', ')}`;
	}
	if (fault.retryAfter !== undefined && !(typeof fault.retryAfter === 'number' && fault.retryAfter >= 0)) {
		return 'retryAfter must be a number of seconds';
	}
	if (fault.message !== undefined && typeof fault.message !== 'string') return 'message must be a string';
	if (fault.reset !== undefined && fault.reset !== 'before' && fault.reset !== 'after-accept') {
		return "reset must be 'before' or 'after-accept'";
	}
	return undefined;
}
