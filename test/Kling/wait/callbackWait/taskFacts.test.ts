import { TaskFactStore, timeOf } from '../../../../nodes/Kling/wait/callbackWait/taskFacts';
import type { TaskStatus } from '../../../../nodes/shared/taskResult';

const ended = (completeTime?: unknown): TaskStatus => ({ taskId: 'task_1', state: 'success', completeTime: completeTime as number });
const running: TaskStatus = { taskId: 'task_1', state: 'processing' };
const httpError = (httpCode: string) => Object.assign(new Error(`HTTP ${httpCode}`), { httpCode });

describe('what the callbacks of one process know of a task', () => {
	let store: TaskFactStore;
	beforeEach(() => {
		store = new TaskFactStore({ now: () => 1_000 });
	});

	test('an ended task is read once: later reads are answered from memory', async () => {
		const fetch = jest.fn(async () => ended(900));
		const first = await store.read('key', 0, fetch);
		expect(first.fact).toEqual({ kind: 'ended', seenAt: 1_000, completeTime: 900 });
		expect(await store.read('key', 5_000, fetch)).toBe(first);
		expect(store.known('key')).toBe(first);
		expect(fetch).toHaveBeenCalledTimes(1);
	});

	test('a running task is remembered as seen running when its read started, and read again when asked', async () => {
		const fetch = jest.fn(async () => running);
		expect((await store.read('key', 0, fetch)).fact).toEqual({ kind: 'running', seenAt: 1_000 });
		expect(store.known('key')).toEqual({ fact: { kind: 'running', seenAt: 1_000 } });
		await store.read('key', 0, fetch);
		expect(fetch).toHaveBeenCalledTimes(2);
	});

	test('a read under way is joined only when it started after the callback arrived', async () => {
		const answers: Array<(status: TaskStatus) => void> = [];
		const fetch = jest.fn(async () => await new Promise<TaskStatus>((resolve) => answers.push(resolve)));
		const first = store.read('key', 500, fetch);
		const joined = store.read('key', 999, fetch);
		expect(fetch).toHaveBeenCalledTimes(1);
		const own = store.read('key', 1_000, fetch);
		expect(fetch).toHaveBeenCalledTimes(2);
		for (const answer of answers) answer(running);
		expect(await joined).toBe(await first);
		await own;
	});

	test('a transient failure reads as unreadable, a final one (404 included) as unknown', async () => {
		const unreadable = await store.read('a', 0, async () => await Promise.reject(httpError('503')));
		expect(unreadable.fact).toEqual({ kind: 'unreadable', seenAt: 1_000 });
		const dropped = await store.read('b', 0, async () => await Promise.reject(new Error('socket hang up')));
		expect(dropped.fact.kind).toBe('unreadable');
		const unknown = await store.read('c', 0, async () => await Promise.reject(httpError('404')));
		expect(unknown.fact).toEqual({ kind: 'unknown', seenAt: 1_000 });
		expect((unknown.error as Error).message).toBe('HTTP 404');
		expect(store.known('c')).toBeUndefined();
	});

	test('APIXO times are Unix milliseconds, as a number or a numeric string; anything else is no time', () => {
		expect(timeOf(1_700_000_000_000)).toBe(1_700_000_000_000);
		expect(timeOf('1700000000000')).toBe(1_700_000_000_000);
		expect(timeOf('')).toBeUndefined();
		expect(timeOf('soon')).toBeUndefined();
		expect(timeOf(0)).toBeUndefined();
	});
});
