import { runKling } from '../../helpers/engine';
import { errorOf, jsonOf, SECRET_KEY, textToVideo } from '../../helpers/fixtures';
import { apiOf, useSimulator } from '../../helpers/simulator';

const sim = useSimulator({ apiKeys: [SECRET_KEY], balance: 42.5 });
const api = apiOf(sim);

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
		expect(item).toEqual({ taskId, state: 'pending', model: 'kling-2-5-turbo-pro', createTime: expect.any(Number) });
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
			model: 'kling-2-5-turbo-pro',
			videoUrl: url,
			resultUrls: [url],
			createTime: expect.any(Number),
			completeTime: expect.any(Number),
			costTimeMs: expect.any(Number),
		});
		expect(item).not.toHaveProperty('resultJson');
	});

	test('a failed task is an answer, not an error: state "failed" with its fail code and message on the main output', async () => {
		const taskId = await submit('bad [sim:ms=50] [sim:fail=NSFW_DETECTED]');
		await new Promise((resolve) => setTimeout(resolve, 150));
		for (const waitMode of ['none', 'poll']) {
			const run = await status(taskId, { waitMode, options: { pollInterval: 0.1 } });
			expect(run.run.data.resultData.error).toBeUndefined();
			expect(jsonOf(run.output())).toEqual([
				{
					taskId,
					state: 'failed',
					model: 'kling-2-5-turbo-pro',
					failCode: 'NSFW_DETECTED',
					failMsg: 'The generated content was flagged as NSFW.',
					createTime: expect.any(Number),
					completeTime: expect.any(Number),
				},
			]);
		}
	});

	test('a fail code APIXO\'s docs do not name passes through as it is', async () => {
		const taskId = await submit('odd [sim:ms=50] [sim:fail=SOMETHING_NEW_42]');
		await new Promise((resolve) => setTimeout(resolve, 150));
		const [item] = jsonOf((await status(taskId)).output());
		expect(item).toMatchObject({ state: 'failed', failCode: 'SOMETHING_NEW_42', failMsg: 'Task failed (SOMETHING_NEW_42).' });
	});

	test('a state APIXO\'s docs do not name (processing_r2) reads as still running: shown as it is, and waited through', async () => {
		const taskId = await submit('odd state [sim:ms=1200] [sim:state=processing_r2]');
		await new Promise((resolve) => setTimeout(resolve, 500));
		const [now] = jsonOf((await status(taskId)).output());
		expect(now).toMatchObject({ taskId, state: 'processing_r2' });
		expect(now).not.toHaveProperty('videoUrl');
		const run = await status(taskId, { waitMode: 'poll', options: { pollInterval: 0.1 } });
		expect(run.output()[0].json).toMatchObject({ taskId, state: 'success', videoUrl: `${sim.url}/files/${taskId}.mp4` });
	});

	test('Generate Video still treats a failed task as an error (its task id in the message)', async () => {
		const run = await runKling(api(), [{ prompt: 'bad [sim:ms=50] [sim:fail=CONTENT_VIOLATION]' }], {
			parameters: textToVideo({ waitMode: 'poll' }),
		});
		expect(errorOf(run).message).toMatch(/^Kling task task_\w+ failed: CONTENT_VIOLATION – .+/);
	});

	test('waiting on a task from elsewhere polls it until it ends', async () => {
		const taskId = await submit('soon [sim:ms=400]');
		const run = await status(taskId, { waitMode: 'poll', options: { pollInterval: 0.1 } });
		expect(run.output()[0].json).toMatchObject({ taskId, state: 'success' });
	});
});
