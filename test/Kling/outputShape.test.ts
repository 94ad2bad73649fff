/**
 * How much of each task the node outputs: Raw (every field, the default of the node and the shape of every earlier
 * version), Simplify (at most 10 fields, flat, the most used first), and, as an AI tool, Selected Fields. Runs go
 * through n8n-core's WorkflowExecute against the simulator.
 */
import { SIMPLIFIED_FIELDS, shapeOutput } from '../../nodes/Kling/outputShape';
import { TASK_FIELDS } from '../../nodes/shared/taskResult';
import { runKling } from '../helpers/engine';
import { jsonOf, prompts, SECRET_KEY, textToVideo } from '../helpers/fixtures';
import { pausedRunOn } from '../helpers/paused';
import { apiOf, useSimulator } from '../helpers/simulator';

const sim = useSimulator({ apiKeys: [SECRET_KEY] });
const api = apiOf(sim);

describe('Simplify', () => {
	test('off (the default): every field, as before', async () => {
		const [item] = jsonOf((await runKling(api(), prompts(1), { parameters: textToVideo({ waitMode: 'poll' }) })).output());
		expect(Object.keys(item).length).toBeGreaterThan(10);
		expect(item).toHaveProperty('resultUrls');
	});

	test('on: at most 10 flat fields, taskId, state and videoUrl first; the video file is kept', async () => {
		const run = await runKling(api(), prompts(1), { parameters: textToVideo({ waitMode: 'poll', simplify: true }, { downloadVideo: true }) });
		const [item] = run.output();
		const [task] = sim.tasks();
		expect(Object.keys(item.json).slice(0, 3)).toEqual(['taskId', 'state', 'videoUrl']);
		expect(Object.keys(item.json).length).toBeLessThanOrEqual(10);
		expect(item.json).toMatchObject({ taskId: task.taskId, state: 'success', videoUrl: `${sim.url}/files/${task.taskId}.mp4` });
		expect(Object.values(item.json).every((value) => value === null || typeof value !== 'object')).toBe(true);
		expect(item.binary?.data?.fileName).toBe(`${task.taskId}.mp4`);
	});

	test('on: a failed task keeps what says why (Continue On Fail)', async () => {
		const run = await runKling(api(), [{ prompt: '[sim:ms=100] [sim:fail=CONTENT_VIOLATION] refused' }], {
			parameters: textToVideo({ waitMode: 'poll', simplify: true }),
			onError: 'continueRegularOutput',
		});
		expect(jsonOf(run.output())[0]).toMatchObject({ state: 'failed', failCode: 'CONTENT_VIOLATION', failMsg: expect.any(String), error: expect.stringContaining('CONTENT_VIOLATION') });
	});

	test('Wait (Pause Until Callback): the output a callback resumes with is simplified too', async () => {
		const paused = await pausedRunOn(sim)(prompts(1), { parameters: textToVideo({ waitMode: 'callback', simplify: true }) });
		try {
			const call = await paused.resumed;
			const [item] = jsonOf(call.resumed?.output() ?? []);
			expect(Object.keys(item).length).toBeLessThanOrEqual(10);
			expect(item).toMatchObject({ taskId: sim.tasks()[0].taskId, state: 'success', videoUrl: expect.stringContaining('/files/') });
			expect(item).not.toHaveProperty('resultUrls');
		} finally {
			await paused.close();
		}
	});

	test('Get Task Status simplifies the same way', async () => {
		const first = jsonOf((await runKling(api(), prompts(1), { parameters: textToVideo({ waitMode: 'poll' }) })).output())[0];
		const status = jsonOf(
			(await runKling(api(), [{ taskId: first.taskId }], { parameters: { operation: 'getStatus', taskId: '={{ $json.taskId }}', waitMode: 'none', simplify: true } })).output(),
		)[0];
		expect(status).toEqual({ taskId: first.taskId, state: 'success', videoUrl: first.videoUrl });
	});
});

describe('the shapes', () => {
	const raw = {
		json: { taskId: 't1', state: 'success', model: 'kling-2-5-turbo-pro', mode: 'text-to-video', duration: 5, videoUrl: 'https://v/t1.mp4', resultUrls: ['https://v/t1.mp4'], costTimeMs: 4 },
		pairedItem: { item: 0 },
	};

	test('the simplified fields are at most 10 and among the documented ones', () => {
		expect(SIMPLIFIED_FIELDS.length).toBeLessThanOrEqual(10);
		for (const field of SIMPLIFIED_FIELDS) expect([...TASK_FIELDS, 'error']).toContain(field);
	});

	test('Selected Fields: exactly the chosen fields, and taskId always', () => {
		expect(shapeOutput([raw], { kind: 'selected', fields: ['videoUrl', 'costTimeMs'] })).toEqual([{ json: { taskId: 't1', videoUrl: 'https://v/t1.mp4', costTimeMs: 4 }, pairedItem: { item: 0 } }]);
	});

	test('Raw: the items as they are', () => {
		expect(shapeOutput([raw], { kind: 'raw' })).toEqual([raw]);
	});

	test('an item bound for the error output is left whole, so n8n still moves it there', () => {
		const failed = { json: { error: 'Kling task t1 failed', details: { taskId: 't1', state: 'failed' } }, pairedItem: { item: 0 } };
		expect(shapeOutput([failed], { kind: 'simplified' })).toEqual([failed]);
	});
});
