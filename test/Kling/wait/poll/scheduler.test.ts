import type { TaskStatus } from '../../../../nodes/shared/taskResult';
import { waitForTasks } from '../../../../nodes/Kling/wait/poll/scheduler';
import type { PendingTask } from '../../../../nodes/Kling/task';
import { FakeClock } from '../../../helpers/fakeClock';

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
