import { afterTheBurst, burstHold, callbackArrived, heldNow } from '../../nodes/KlingTrigger/burst';
import { credentialReads } from '../helpers/engine';
import { FakeClock } from '../helpers/fakeClock';
import { useTriggerTestbed } from '../helpers/trigger';

const { sim, receiver, endedTask } = useTriggerTestbed();

describe('Kling Trigger', () => {
	test('a burst of callbacks has n8n read the APIXO credential once, not once per callback and request', async () => {
		const trigger = await receiver();
		const taskIds = await Promise.all(Array.from({ length: 30 }, async (_, index) => await endedTask('success', `reel ${index} [sim:ms=600000]`)));
		const before = credentialReads.count;
		await Promise.all(taskIds.map(async (taskId) => await sim.sendCallback(taskId, { url: trigger.url })));
		const executions = await trigger.executions();
		expect(executions.every(([item]) => item.json.verified === true)).toBe(true);
		expect(sim.stats().requests.status).toBeGreaterThanOrEqual(30);
		// One read serves the node's callbacks for CREDENTIAL_SHARE_MS; a slow machine may need a second one.
		expect(credentialReads.count - before).toBeGreaterThanOrEqual(1);
		expect(credentialReads.count - before).toBeLessThanOrEqual(2);
	});

	test('a burst is answered in full before any of its callbacks after the first is confirmed or starts an execution', async () => {
		const trigger = await receiver();
		const taskIds = await Promise.all(Array.from({ length: 20 }, async (_, index) => await endedTask('success', `wave ${index} [sim:ms=600000]`)));
		const quietMs = burstHold.quietMs;
		burstHold.quietMs = 300;
		try {
			// The callbacks arrive one after another, 20 ms apart, as n8n reaches them in a burst.
			const answers: Array<Promise<{ status: number }>> = [];
			for (const taskId of taskIds) {
				answers.push(sim.sendCallback(taskId, { url: trigger.url }));
				await new Promise((resolve) => setTimeout(resolve, 20));
			}
			expect((await Promise.all(answers)).map(({ status }) => status)).toEqual(taskIds.map(() => 200));
			// Every answer is out, and APIXO has been asked about the first task alone: it came alone, so it went on at once.
			expect(sim.stats().requests.status).toBeLessThanOrEqual(1);
		} finally {
			burstHold.quietMs = quietMs;
		}
		const executions = await trigger.executions();
		expect(executions.map(([item]) => item.json.taskId).sort()).toEqual([...taskIds].sort());
		expect(executions.every(([item]) => item.json.verified === true)).toBe(true);
		// Every callback after the first: answered, all of them, before any of them was confirmed and started.
		const burst = trigger.deliveries.slice(1); // in the order they arrived
		const lastAnswer = Math.max(...burst.map((delivery) => delivery.answeredAt ?? Infinity));
		const firstStart = Math.min(...burst.map((delivery) => delivery.returnedAt ?? Infinity));
		expect(lastAnswer).toBeLessThan(firstStart);
	});
});

describe('holding confirmations while a burst is answered', () => {
	const real = { ...burstHold };
	let clock: FakeClock;
	beforeEach(async () => {
		clock = new FakeClock();
		Object.assign(burstHold, { clock, quietMs: 500, maxHoldMs: 30_000, maxHeld: 200 });
		// Later than every arrival the tests above recorded on the real clock.
		await clock.runUntil(Date.now() + 60_000);
	});
	afterAll(() => Object.assign(burstHold, real));

	/** How long a callback is held that arrives just after another one (a burst under way), or alone. */
	async function heldFor(during: (clock: FakeClock) => Promise<void>, { alone = false } = {}): Promise<number> {
		let releasedAt: number | undefined;
		await clock.runUntil(clock.now() + 1000);
		if (!alone) callbackArrived();
		const cameAlone = callbackArrived();
		expect(cameAlone).toBe(alone);
		const start = clock.now();
		void afterTheBurst(cameAlone).then(() => (releasedAt = clock.now()));
		await during(clock);
		await clock.runUntil(clock.now() + 120_000);
		return (releasedAt ?? Infinity) - start;
	}

	test('a callback that came alone is not held', async () => {
		expect(await heldFor(async () => {}, { alone: true })).toBe(0);
	});

	test('one that came within the quiet time of another is held for the quiet time', async () => {
		expect(await heldFor(async () => {})).toBe(500);
	});

	test('while callbacks keep arriving, it is held until they have paused for the quiet time', async () => {
		const held = await heldFor(async (fake) => {
			for (let arrival = 0; arrival < 10; arrival++) {
				await fake.runUntil(fake.now() + 300);
				callbackArrived();
			}
		});
		expect(held).toBe(10 * 300 + 500);
	});

	test('a stream that never pauses holds it for maxHoldMs at most', async () => {
		const held = await heldFor(async (fake) => {
			for (let arrival = 0; arrival < 200; arrival++) {
				await fake.runUntil(fake.now() + 200);
				callbackArrived();
			}
		});
		expect(held).toBe(30_000);
	});

	test('no more than maxHeld are held at once: one more lets the one held longest go on', async () => {
		burstHold.maxHeld = 3;
		const releasedAt: number[] = [];
		// A burst under way: none of the five comes alone.
		callbackArrived();
		const start = clock.now();
		for (let index = 0; index < 5; index++) {
			const alone = callbackArrived();
			void afterTheBurst(alone).then(() => (releasedAt[index] = clock.now() - start));
			await clock.runUntil(clock.now() + 100);
		}
		// The first two went on when the fourth and the fifth arrived; three are held until the arrivals pause.
		expect(releasedAt.slice(0, 2)).toEqual([300, 400]);
		expect(heldNow()).toBe(3);
		await clock.runUntil(clock.now() + 1000);
		expect(releasedAt.slice(2)).toEqual([900, 900, 900]);
		expect(heldNow()).toBe(0);
	});
});
