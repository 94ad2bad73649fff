import type { Clock } from '../../nodes/shared/clock';

/** A clock that moves only when the test says; sleepers wake in time order. */
export class FakeClock implements Clock {
	private time = 0;

	private sleepers: Array<{ at: number; wake: () => void; fail: (reason: unknown) => void }> = [];

	now(): number {
		return this.time;
	}

	async sleep(ms: number, signal?: AbortSignal): Promise<void> {
		if (signal?.aborted) throw signal.reason;
		if (ms <= 0) return;
		await new Promise<void>((wake, fail) => {
			this.sleepers.push({ at: this.time + ms, wake, fail });
			signal?.addEventListener('abort', () => fail(signal.reason), { once: true });
		});
	}

	/** Moves time forward to `until`, waking each sleeper at its moment and letting its work run. */
	async runUntil(until: number): Promise<void> {
		for (;;) {
			await flush();
			this.sleepers.sort((a, b) => a.at - b.at);
			const next = this.sleepers[0];
			if (!next || next.at > until) break;
			this.sleepers.shift();
			this.time = next.at;
			next.wake();
		}
		this.time = until;
		await flush();
	}
}

async function flush(): Promise<void> {
	for (let i = 0; i < 20; i++) await Promise.resolve();
}
