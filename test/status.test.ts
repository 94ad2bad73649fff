import { runKling } from './helpers/engine';
import { errorOf, jsonOf, SECRET_KEY, textToVideo } from './helpers/fixtures';
import { startSimulator, type Simulator } from './simulator';

let sim: Simulator;
const api = () => ({ baseUrl: sim.url, apiKey: SECRET_KEY });

beforeAll(async () => {
	sim = await startSimulator({ apiKeys: [SECRET_KEY], balance: 42.5 });
});
afterEach(() => sim.reset());
afterAll(async () => await sim.close());

async function submit(prompt: string): Promise<string> {
	const run = await runKling(api(), [{ prompt }], { parameters: textToVideo() });
	return run.output()[0].json.taskId as string;
}

const status = (taskId: string, extra: object = {}) =>
	runKling(api(), [{ taskId }], { parameters: { operation: 'getStatus', taskId: '={{ $json.taskId }}', ...extra } });

describe('Get Task Status', () => {
	test('a pending task shows its state and no result fields', async () => {
		const taskId = await submit('slow [sim:ms=60000]');
		const [item] = jsonOf((await status(taskId)).output());
		expect(item).toEqual({ taskId, state: 'pending', createTime: expect.any(Number) });
	});

	test('a processing task shows state processing', async () => {
		const taskId = await submit('slow [sim:ms=1000]');
		await new Promise((resolve) => setTimeout(resolve, 400));
		const [item] = jsonOf((await status(taskId)).output());
		expect(item.state).toBe('processing');
		expect(item).not.toHaveProperty('videoUrl');
	});

	test('a successful task has its video URL, result URLs and timings, with resultJson parsed', async () => {
		const taskId = await submit('quick [sim:ms=50]');
		await new Promise((resolve) => setTimeout(resolve, 150));
		const [item] = jsonOf((await status(taskId)).output());
		const url = `${sim.url}/files/${taskId}.mp4`;
		expect(item).toEqual({
			taskId,
			state: 'success',
			videoUrl: url,
			resultUrls: [url],
			createTime: expect.any(Number),
			completeTime: expect.any(Number),
			costTimeMs: expect.any(Number),
		});
		expect(item).not.toHaveProperty('resultJson');
	});

	test('a failed task is an error naming its task ID, fail code and message', async () => {
		const taskId = await submit('bad [sim:ms=50] [sim:fail=NSFW_DETECTED]');
		await new Promise((resolve) => setTimeout(resolve, 150));
		const run = await status(taskId);
		expect(errorOf(run).message).toMatch(new RegExp(`Kling task ${taskId} failed: NSFW_DETECTED – .+`));
	});

	test('with Continue On Fail a failed task is an error item carrying its fields', async () => {
		const taskId = await submit('bad [sim:ms=50] [sim:fail=CONTENT_VIOLATION]');
		await new Promise((resolve) => setTimeout(resolve, 150));
		const run = await runKling(api(), [{ taskId }], {
			parameters: { operation: 'getStatus', taskId: '={{ $json.taskId }}' },
			onError: 'continueRegularOutput',
		});
		expect(run.output()[0].json).toMatchObject({ taskId, state: 'failed', failCode: 'CONTENT_VIOLATION', error: expect.stringContaining(taskId) });
	});

	test('waiting on a task from elsewhere polls it until it ends', async () => {
		const taskId = await submit('soon [sim:ms=400]');
		const run = await status(taskId, { waitMode: 'poll', options: { pollInterval: 0.1 } });
		expect(run.output()[0].json).toMatchObject({ taskId, state: 'success' });
	});
});

describe('Get Balance', () => {
	test('outputs the balance in USD', async () => {
		const run = await runKling(api(), [{}], { parameters: { operation: 'getBalance' } });
		expect(jsonOf(run.output())).toEqual([{ balance: 42.5, currency: 'USD' }]);
		expect(run.output()[0].pairedItem).toEqual({ item: 0 });
	});
});
