import { RequestBudget, sharedBudget } from '../nodes/shared/RequestBudget';
import { callbackUnreachable } from '../nodes/Kling/callbackWait/reachability';
import type { TaskStatus } from '../nodes/shared/taskResult';
import { waitForTasks, type PendingTask } from '../nodes/Kling/poll/scheduler';
import { FakeClock } from './helpers/fakeClock';

const schedule = { initialDelayMs: 30_000, pollIntervalMs: 5_000, timeoutMs: 900_000, concurrency: 10 };

function tasks(count: number): PendingTask[] {
	return Array.from({ length: count }, (_, key) => ({ key, taskId: `task_${key}`, submittedAt: 0, lastState: 'pending' }));
}

describe('the wait engine', () => {
	test('waits the initial delay, then checks each task every poll interval until it ends', async () => {
		const clock = new FakeClock();
		const checks: number[] = [];
		const endsAt = 42_000;
		const done = waitForTasks(tasks(1), schedule, async (task) => {
			checks.push(clock.now());
			return { taskId: task.taskId, state: clock.now() >= endsAt ? 'success' : 'processing' } as TaskStatus;
		}, clock);
		await clock.runUntil(60_000);
		const outcome = await done;
		expect(checks).toEqual([30_000, 35_000, 40_000, 45_000]);
		expect(outcome.ended.get(0)?.state).toBe('success');
	});

	test('many tasks are checked in one loop: the batch ends with its slowest task', async () => {
		const clock = new FakeClock();
		const endsAt = (key: number) => 31_000 + key * 100; // the slowest ends at 40.9 s
		let requests = 0;
		const done = waitForTasks(tasks(100), schedule, async (task) => {
			requests++;
			return { taskId: task.taskId, state: clock.now() >= endsAt(task.key) ? 'success' : 'processing' } as TaskStatus;
		}, clock);
		await clock.runUntil(50_000);
		const outcome = await done;
		expect(outcome.ended.size).toBe(100);
		expect(requests).toBeLessThanOrEqual(300); // 3 checks per task at most: 30 s, 35 s, 40 s (45 s for the last ones)
	});

	test('a timeout leaves the running tasks with their last state', async () => {
		const clock = new FakeClock();
		const done = waitForTasks(tasks(2), { ...schedule, timeoutMs: 40_000 }, async (task) => ({ taskId: task.taskId, state: task.key === 0 ? 'success' : 'processing' }) as TaskStatus, clock);
		await clock.runUntil(60_000);
		const outcome = await done;
		expect(outcome.timedOut.map((task) => [task.taskId, task.lastState])).toEqual([['task_1', 'processing']]);
	});

	test('a passing failure only delays the next check', async () => {
		const clock = new FakeClock();
		let calls = 0;
		const done = waitForTasks(tasks(1), schedule, async (task) => {
			calls++;
			if (calls === 1) throw Object.assign(new Error('rate limited'), { httpCode: '429' });
			return { taskId: task.taskId, state: 'success' } as TaskStatus;
		}, clock, undefined, (error) => (error as { httpCode?: string }).httpCode === '429');
		await clock.runUntil(40_000);
		expect((await done).ended.size).toBe(1);
		expect(calls).toBe(2);
	});

	test('the timeout is a hard bound: a read still in flight at the deadline is abandoned, its task timed out', async () => {
		const clock = new FakeClock();
		const abandoned: string[] = [];
		const done = waitForTasks(tasks(2), { ...schedule, timeoutMs: 40_000 }, async (task, signal) => {
			if (task.key === 0) return { taskId: task.taskId, state: 'success' } as TaskStatus;
			// Task 1's read hangs (a slow API with its own timeout and retries) until it is abandoned.
			return await new Promise<TaskStatus>((_, reject) => {
				signal.addEventListener('abort', () => {
					abandoned.push(task.taskId);
					reject(signal.reason);
				});
			});
		}, clock);
		await clock.runUntil(40_000);
		const outcome = await done;
		expect(clock.now()).toBe(40_000);
		expect(outcome.ended.get(0)?.state).toBe('success');
		expect(outcome.timedOut.map((task) => task.taskId)).toEqual(['task_1']);
		expect(outcome.failedReads.size).toBe(0);
		expect(abandoned).toEqual(['task_1']);
	});

	test('cancelling stops the wait at once', async () => {
		const clock = new FakeClock();
		const controller = new AbortController();
		const done = waitForTasks(tasks(3), schedule, async (task) => ({ taskId: task.taskId, state: 'processing' }) as TaskStatus, clock, controller.signal);
		await clock.runUntil(10_000);
		controller.abort(new Error('cancelled'));
		await expect(done).rejects.toThrow('cancelled');
	});
});

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

describe('whether APIXO can reach the resume URL', () => {
	test.each([
		['http://localhost:5678/webhook-waiting/1', true],
		['http://127.0.0.1:5678/webhook-waiting/1', true],
		['http://192.168.1.4:5678/webhook-waiting/1', true],
		['http://10.0.0.8/webhook-waiting/1', true],
		['http://172.20.0.3/webhook-waiting/1', true],
		['http://169.254.10.1/webhook-waiting/1', true],
		['http://[::1]:5678/webhook-waiting/1', true],
		['http://n8n:5678/webhook-waiting/1', true],
		['https://n8n.example.com/webhook-waiting/1', false],
		['https://203.0.113.7/webhook-waiting/1', false],
	])('%s behind a public API: unreachable %s', (resumeUrl, unreachable) => {
		expect(callbackUnreachable(resumeUrl, 'https://api.apixo.ai')).toBe(unreachable);
	});

	test('a local API (a simulator or proxy) can reach a local n8n', () => {
		expect(callbackUnreachable('http://127.0.0.1:5678/webhook-waiting/1', 'http://127.0.0.1:4010')).toBe(false);
	});
});
