/**
 * APIXO's per-key limit (10,000 requests per minute) as a sliding window. Rejected requests do not
 * take a slot. Separately it remembers every request it saw, so a test can check that a client paced
 * itself: `maxRequestsInAnyWindow` would exceed the limit if the client ever sent too fast.
 */
import type { RateLimit } from './types';

/** Timestamps in arrival order, dropped from the front as they leave the window. */
class Window {
	private readonly times: number[] = [];
	private head = 0;

	add(at: number): void {
		this.times.push(at);
	}

	/** Forget timestamps at or before `cutoff`; returns how many remain. */
	prune(cutoff: number): number {
		while (this.head < this.times.length && this.times[this.head] <= cutoff) this.head++;
		// Compact now and then so the array does not grow for ever.
		if (this.head > 1024 && this.head * 2 > this.times.length) {
			this.times.splice(0, this.head);
			this.head = 0;
		}
		return this.times.length - this.head;
	}

	oldest(): number | undefined {
		return this.times[this.head];
	}
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Window used for the pacing statistic while limiting is off. */
const DEFAULT_WINDOW_MS = 60_000;

export class RateLimiter {
	private accepted = new Map<string, Window>();
	private seen = new Map<string, Window>();
	maxRequestsInAnyWindow = 0;

	constructor(public rateLimit: RateLimit | null) {}

	/** Records one request of `key` at `now` and decides whether it may pass. */
	check(key: string, now: number): RateDecision {
		const windowMs = this.rateLimit?.windowMs ?? DEFAULT_WINDOW_MS;
		const seen = windowOf(this.seen, key);
		seen.add(now);
		this.maxRequestsInAnyWindow = Math.max(this.maxRequestsInAnyWindow, seen.prune(now - windowMs));

		if (!this.rateLimit) return { allowed: true };
		const accepted = windowOf(this.accepted, key);
		if (accepted.prune(now - windowMs) < this.rateLimit.limit) {
			accepted.add(now);
			return { allowed: true };
		}
		// Whole seconds until the oldest request in the window leaves it and frees a slot.
		const freeAt = (accepted.oldest() ?? now) + windowMs;
		return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((freeAt - now) / 1000)) };
	}

	reset(): void {
		this.accepted.clear();
		this.seen.clear();
		this.maxRequestsInAnyWindow = 0;
	}
}

function windowOf(windows: Map<string, Window>, key: string): Window {
	let window = windows.get(key);
	if (!window) windows.set(key, (window = new Window()));
	return window;
}
