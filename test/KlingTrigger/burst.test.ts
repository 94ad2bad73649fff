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

	test('a burst is answered in full before any of its callbacks is confirmed or starts an execution', async () => {
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
			// Every answer is out, and APIXO has not been asked about any task yet.
			expect(sim.stats().requests.status).toBe(0);
		} finally {
			burstHold.quietMs = quietMs;
		}
		const executions = await trigger.executions();
		expect(executions.map(([item]) => item.json.taskId).sort()).toEqual([...taskIds].sort());
		expect(executions.every(([item]) => item.json.verified === true)).toBe(true);
		const lastAnswer = Math.max(...trigger.deliveries.map((delivery) => delivery.answeredAt ?? Infinity));
		const firstStart = Math.min(...trigger.deliveries.map((delivery) => delivery.returnedAt ?? Infinity));
		expect(lastAnswer).toBeLessThan(firstStart);
	});
});

describe('holding confirmations while a burst is answered', () => {
	const real = { ...burstHold };
	let clock: FakeClock;
	beforeEach(() => {
		clock = new FakeClock();
		Object.assign(burstHold, { clock, quietMs: 500, maxHoldMs: 30_000, maxHeld: 200 });
	});
	afterAll(() => Object.assign(burstHold, real));

	async function heldFor(during: (clock: FakeClock) => Promise<void>): Promise<number> {
		let releasedAt: number | undefined;
		callbackArrived();
		const start = clock.now();
		void afterTheBurst().then(() => (releasedAt = clock.now()));
		await during(clock);
		await clock.runUntil(clock.now() + 120_000);
		return (releasedAt ?? Infinity) - start;
	}

	test('a lone callback is held for the quiet time only', async () => {
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
		for (let index = 0; index < 5; index++) {
			callbackArrived();
			void afterTheBurst().then(() => (releasedAt[index] = clock.now()));
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
