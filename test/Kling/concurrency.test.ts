/** At most N at once, results in input order, and a stop that never abandons work in flight. */
import { mapConcurrent } from '../../nodes/Kling/concurrency';

const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));

describe('mapConcurrent', () => {
	test('never more than the limit in flight; results in input order', async () => {
		let inFlight = 0;
		let most = 0;
		const results = await mapConcurrent([30, 5, 20, 10, 1, 15], 3, async (ms, index) => {
			most = Math.max(most, ++inFlight);
			await sleep(ms);
			inFlight--;
			return index;
		});
		expect(most).toBe(3);
		expect(results).toEqual([0, 1, 2, 3, 4, 5]);
	});

	test('a stop starts nothing new, and what is in flight finishes', async () => {
		const started: number[] = [];
		const finished: number[] = [];
		let stop = false;
		await mapConcurrent([0, 1, 2, 3, 4, 5], 2, async (entry) => {
			started.push(entry);
			// Timers fire in the order they are due: entry 0 ends (and stops the run) while entry 1 is in flight.
			await sleep(entry === 0 ? 10 : 50);
			if (entry === 0) stop = true;
			finished.push(entry);
		}, () => stop);
		expect(started).toEqual([0, 1]);
		expect(finished.sort()).toEqual([0, 1]);
	});
});
