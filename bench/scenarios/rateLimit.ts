/** 429s: one Wait (Poll) execution with many items while the simulator enforces APIXO's rate limit. */
import type { Bench } from '../harness';
import type { RateLimitResult } from '../results';
import { PATHS, RATE_LIMIT_PER_MINUTE } from '../settings';
import { batchItems } from './batch';

export async function rateLimitScenario(bench: Bench, n: number): Promise<RateLimitResult> {
	await bench.fresh();
	const stopMeter = bench.meter.start();
	const { outcome } = await bench.run(PATHS.poll, batchItems('rate limit', n), 300_000);
	const cost = await bench.cost(stopMeter);
	return {
		n,
		status: outcome.status,
		error: outcome.error,
		wallMs: outcome.outputAt !== undefined && outcome.startedAt !== undefined ? outcome.outputAt - outcome.startedAt : undefined,
		responses429: cost.responses429,
		maxRequestsInAnyWindow: cost.maxRequestsInAnyWindow,
		apiRequests: cost.apiRequests,
		limitPerMinute: RATE_LIMIT_PER_MINUTE,
		cost,
	};
}
