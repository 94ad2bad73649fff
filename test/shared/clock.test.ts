/** The nodes' sleep: over after its time, or at once when the execution is cancelled. */
import { systemClock } from '../../nodes/shared/clock';

describe('the system clock', () => {
	test('a sleep ends after its time', async () => {
		const started = Date.now();
		await systemClock.sleep(50);
		expect(Date.now() - started).toBeGreaterThanOrEqual(45);
	});

	test('a cancelled sleep ends at once with the cancellation\'s reason', async () => {
		const controller = new AbortController();
		const started = Date.now();
		const sleeping = systemClock.sleep(60_000, controller.signal);
		controller.abort(new Error('stopped'));
		await expect(sleeping).rejects.toThrow('stopped');
		expect(Date.now() - started).toBeLessThan(5_000);
	});

	test('a sleep with a signal already aborted does not start', async () => {
		const controller = new AbortController();
		controller.abort(new Error('already'));
		await expect(systemClock.sleep(10, controller.signal)).rejects.toThrow('already');
	});
});
