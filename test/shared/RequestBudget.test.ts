import type { IDataObject } from 'n8n-workflow';

import { RequestBudget, sharedBudget } from '../../nodes/shared/RequestBudget';
import { runKling } from '../helpers/engine';
import { FakeClock } from '../helpers/fakeClock';
import { prompts, textToVideo } from '../helpers/fixtures';
import { startSimulator, type Simulator } from '../simulator';

/** Wait (Poll) with the fast test schedule. */
const poll = (options: IDataObject = {}) => textToVideo({ waitMode: 'poll' }, options);
describe('the request budget', () => {
	test('spaces requests evenly so no minute holds more than the limit', async () => {
		const clock = new FakeClock();
		const budget = new RequestBudget(600, clock); // one per 100 ms (plus a 2 % margin)
		const sentAt: number[] = [];
		const all = Promise.all(Array.from({ length: 1300 }, async () => {
			await budget.take();
			sentAt.push(clock.now());
		}));
		await clock.runUntil(200_000);
		await all;
		for (let i = 600; i < sentAt.length; i++) expect(sentAt[i] - sentAt[i - 600]).toBeGreaterThanOrEqual(60_000);
	});
});

describe('the budget of one API key, shared by nodes with different limits', () => {
	test('the lowest limit set in the last minute paces every request on the key, and stops once unused for a minute', async () => {
		const clock = new FakeClock();
		const key = `test-key-${Math.random()}`;
		const fast = sharedBudget(key, 10_000, clock);
		const slow = sharedBudget(key, 120, clock); // one per 0.5 s
		const sentAt: number[] = [];
		const send = async (share: typeof fast) => {
			await share.take();
			sentAt.push(clock.now());
		};
		await send(slow);
		const burst = Promise.all(Array.from({ length: 10 }, async () => await send(fast)));
		await clock.runUntil(10_000);
		await burst;
		const gaps = sentAt.slice(1).map((at, index) => at - sentAt[index]);
		for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(500);

		// A minute after the slow node's last request, the key is paced by the fast node's own limit again.
		await clock.runUntil(130_000);
		sentAt.length = 0;
		const later = Promise.all(Array.from({ length: 10 }, async () => await send(fast)));
		await clock.runUntil(131_000);
		await later;
		expect(sentAt[sentAt.length - 1] - sentAt[0]).toBeLessThan(100);
	});
});

describe('the request budget', () => {
	let limited: Simulator;
	beforeAll(async () => {
		limited = await startSimulator({ apiKeys: ['sk-budget'], balance: 10_000, rateLimit: { limit: 10_000, windowMs: 60_000 } });
	});
	afterAll(async () => await limited.close());

	test('2,000 items under an enforced 10,000 requests/minute get no 429', async () => {
		const run = await runKling({ baseUrl: limited.url, apiKey: 'sk-budget' }, prompts(2000, () => '[sim:ms=2000]'), {
			parameters: poll({ concurrency: 50, pollInterval: 0.5, initialDelay: 0.5 }),
		});
		const stats = limited.stats();
		expect(run.run.data.resultData.error?.message).toBeUndefined();
		expect(run.output()).toHaveLength(2000);
		expect(run.output().every((item) => item.json.state === 'success')).toBe(true);
		expect(stats.rateLimited).toBe(0);
		expect(stats.maxRequestsInAnyWindow).toBeLessThanOrEqual(10_000);
	}, 120_000);
});
