/** The node's options as one run reads them: defaults, and bounds a typo cannot break. */
import { optionsFrom } from '../../nodes/Kling/options';

describe('options', () => {
	test('nothing set: APIXO\'s advice (first check after 30 s, then every 5 s), 15 minutes, 10 at once, reuse for 24 h', () => {
		const options = optionsFrom(undefined);
		expect(options.schedule).toEqual({ initialDelayMs: 30_000, pollIntervalMs: 5_000, timeoutMs: 15 * 60_000, concurrency: 10 });
		expect(options.results).toEqual({ downloadVideo: false, binaryPropertyName: 'data', downloadConcurrency: 4 });
		expect(options.reuseWindowMs).toBe(24 * 3_600_000);
	});

	test('values out of bounds are brought back within them', () => {
		const options = optionsFrom({ initialDelay: -3, pollInterval: 0, timeout: 0, concurrency: 0.5, requestsPerMinute: 1e9, binaryPropertyName: '  ' });
		expect(options.schedule).toEqual({ initialDelayMs: 0, pollIntervalMs: 50, timeoutMs: 600, concurrency: 1 });
		expect(options.requestsPerMinute).toBe(10_000);
		expect(options.results.binaryPropertyName).toBe('data');
	});

	test('Reuse Undelivered Tasks off: no window at all', () => {
		expect(optionsFrom({ reuseTasks: false, reuseWindow: 48 }).reuseWindowMs).toBe(0);
	});
});
