import { runKling } from '../../../helpers/engine';
import { errorOf, jsonOf, prompts, SECRET_KEY, textToVideo } from '../../../helpers/fixtures';
import { apiOf, useSimulator } from '../../../helpers/simulator';

const sim = useSimulator({ apiKeys: [SECRET_KEY] });
const api = apiOf(sim);

describe('Generate Video without waiting', () => {
	test('text to video submits the prompt, duration and aspect ratio, and outputs the pending task', async () => {
		const run = await runKling(api(), [{ prompt: 'A red fox in snow' }], {
			parameters: textToVideo({
				duration: 10,
				aspectRatio: '9:16',
				additionalFields: { negativePrompt: 'blur', cfgScale: 0.7, provider: 'official' },
			}),
		});
		const [item] = run.output();
		expect(item.json).toMatchObject({
			state: 'pending',
			model: 'kling-2-5-turbo-pro',
			mode: 'text-to-video',
			duration: 10,
			aspectRatio: '9:16',
		});
		expect(item.pairedItem).toEqual({ item: 0 });
		const task = sim.task(item.json.taskId as string);
		expect(task?.input).toMatchObject({
			mode: 'text-to-video',
			prompt: 'A red fox in snow',
			duration: 10,
			aspect_ratio: '9:16',
			negative_prompt: 'blur',
			cfg_scale: 0.7,
		});
		expect(task?.provider).toBe('official');
		expect(task?.request_type).toBe('async');
	});

	test('image to video sends the start frame only when no end frame is given', async () => {
		const run = await runKling(api(), [{}], {
			parameters: { operation: 'generate', mode: 'imageToVideo', prompt: 'The cat turns its head', startImageUrl: 'https://img.example.com/start.png', waitMode: 'none' },
		});
		const task = sim.task(run.output()[0].json.taskId as string);
		expect(task?.input).toMatchObject({ mode: 'image-to-video', image_urls: ['https://img.example.com/start.png'] });
		expect(task?.input).not.toHaveProperty('aspect_ratio');
	});

	test('image to video sends the end frame as the second image', async () => {
		const run = await runKling(api(), [{}], {
			parameters: {
				operation: 'generate',
				mode: 'imageToVideo',
				prompt: 'Day turns to night',
				startImageUrl: 'https://img.example.com/day.jpg',
				endImageUrl: 'https://img.example.com/night.jpg',
				waitMode: 'none',
			},
		});
		expect(run.output()[0].json).toMatchObject({ mode: 'image-to-video', endImageUrl: 'https://img.example.com/night.jpg' });
		const task = sim.task(run.output()[0].json.taskId as string);
		expect(task?.input.image_urls).toEqual(['https://img.example.com/day.jpg', 'https://img.example.com/night.jpg']);
	});

	test('a callback URL turns the request into a callback request', async () => {
		const run = await runKling(api(), [{ prompt: 'x' }], {
			parameters: textToVideo({ additionalFields: { callbackUrl: 'https://hooks.example.com/webhook/kling?token=abc' } }),
		});
		const task = sim.task(run.output()[0].json.taskId as string);
		expect(task?.request_type).toBe('callback');
		expect(task?.callback_url).toBe('https://hooks.example.com/webhook/kling?token=abc');
	});

	test('a batch of 50 items is submitted concurrently, output in input order and paired', async () => {
		const items = prompts(50, (index) => `[sim:ms=${5000 + index}]`);
		const run = await runKling(api(), items, { parameters: textToVideo({}, { concurrency: 8 }) });
		const output = run.output();
		expect(output).toHaveLength(50);
		output.forEach((item, index) => {
			expect(item.pairedItem).toEqual({ item: index });
			expect(sim.task(item.json.taskId as string)?.input.prompt).toBe(items[index].prompt);
		});
		expect(new Set(output.map((item) => item.json.taskId)).size).toBe(50);
		expect(sim.stats().submitsAccepted).toBe(50);
	});
});

describe('bad input never reaches the API', () => {
	// The first item is valid and the second is not, so the error must point at item 1.
	const cases: Array<[string, object, object, object, RegExp]> = [
		['an empty prompt', {}, { prompt: '   ' }, {}, /Prompt is empty \[item 1\]/],
		['a prompt over 2,500 characters', {}, { prompt: 'x'.repeat(2501) }, {}, /Prompt is 2501 characters long.*\[item 1\]/],
		['a negative prompt over 2,500 characters', { negative: 'blur' }, { negative: 'n'.repeat(2600) }, { negativePrompt: '={{ $json.negative }}' }, /Negative Prompt is 2600 characters long.*\[item 1\]/],
		['a CFG scale above 1', { cfg: 0.5 }, { cfg: 1.5 }, { cfgScale: '={{ $json.cfg }}' }, /CFG Scale must be between 0 and 1, got 1.5 \[item 1\]/],
		['a CFG scale below 0', { cfg: 0.5 }, { cfg: -0.1 }, { cfgScale: '={{ $json.cfg }}' }, /CFG Scale must be between 0 and 1, got -0.1 \[item 1\]/],
		['a callback URL that is not http(s)', { url: 'https://hooks.example.com/a' }, { url: 'ftp://example.com/x' }, { callbackUrl: '={{ $json.url }}' }, /Callback URL is not an http\(s\) URL.*\[item 1\]/],
	];
	test.each(cases)('%s is an error naming the field and the item', async (_, first, second, additionalFields, message) => {
		const items = [{ prompt: 'a valid item', ...first }, { prompt: 'another item', ...second }];
		const run = await runKling(api(), items, { parameters: textToVideo({ additionalFields }) });
		expect(errorOf(run).message).toMatch(message);
		expect(sim.stats().requests.generate).toBe(0);
	});

	test.each([
		['Duration', { duration: '={{ $json.seconds }}' }, { seconds: 5 }, { seconds: 7 }, /Duration must be one of 5, 10, got 7 \[item 1\]/],
		['Aspect Ratio', { aspectRatio: '={{ $json.ratio }}' }, { ratio: '16:9' }, { ratio: '4:3' }, /Aspect Ratio must be one of 16:9, 9:16, 1:1, got 4:3 \[item 1\]/],
		['Provider', { additionalFields: { provider: '={{ $json.route }}' } }, { route: 'auto' }, { route: 'cheapest' }, /Provider must be one of auto, value, official, got cheapest \[item 1\]/],
	])('a %s the API does not offer, set by an expression, is an error naming the field and the item', async (_, extra, first, second, message) => {
		const run = await runKling(api(), [{ prompt: 'one', ...first }, { prompt: 'two', ...second }], { parameters: textToVideo(extra) });
		expect(errorOf(run).message).toMatch(message);
		expect(sim.stats().requests.generate).toBe(0);
	});

	test('image to video without a start image is an error naming the field and the item', async () => {
		const run = await runKling(api(), [{ url: 'https://img.example.com/a.png' }, { url: '' }], {
			parameters: { operation: 'generate', mode: 'imageToVideo', prompt: 'move', startImageUrl: '={{ $json.url }}', waitMode: 'none' },
		});
		expect(errorOf(run).message).toMatch(/Start Image URL is empty \[item 1\]/);
		expect(sim.stats().requests.generate).toBe(0);
	});

	test('an end image URL that is not http(s) is an error naming the field', async () => {
		const run = await runKling(api(), [{}], {
			parameters: { operation: 'generate', mode: 'imageToVideo', prompt: 'move', startImageUrl: 'https://img.example.com/a.png', endImageUrl: 'file:///etc/passwd', waitMode: 'none' },
		});
		expect(errorOf(run).message).toMatch(/End Image URL is not an http\(s\) URL.*\[item 0\]/);
		expect(sim.stats().requests.generate).toBe(0);
	});

	test('a blank task ID is an error naming the field and the item', async () => {
		const run = await runKling(api(), [{ id: 'task_x' }, { id: ' ' }], {
			parameters: { operation: 'getStatus', taskId: '={{ $json.id }}' },
		});
		expect(errorOf(run).message).toMatch(/Task ID is empty \[item 1\]/);
		expect(sim.stats().requests.status).toBe(0);
	});

	test('with Continue On Fail the bad item becomes an error item and the others are submitted', async () => {
		const run = await runKling(api(), [{ prompt: 'good one' }, { prompt: '' }, { prompt: 'good two' }], {
			parameters: textToVideo(),
			onError: 'continueRegularOutput',
		});
		const output = jsonOf(run.output());
		expect(output[0].taskId).toEqual(expect.any(String));
		expect(output[1].error).toMatch(/Prompt is empty \[item 1\]/);
		expect(output[2].taskId).toEqual(expect.any(String));
		expect(sim.stats().submitsAccepted).toBe(2);
	});
});

describe('continue on fail', () => {
	test('a failing submit becomes an error item and the other items go on', async () => {
		sim.injectFault({ endpoint: 'generate', status: 400, count: 1 });
		const run = await runKling(api(), [{ prompt: 'a' }, { prompt: 'b' }, { prompt: 'c' }], {
			parameters: textToVideo({}, { concurrency: 1 }),
			onError: 'continueRegularOutput',
		});
		const output = jsonOf(run.output());
		expect(output[0].error).toMatch(/APIXO rejected the request/);
		expect(output[1].taskId).toEqual(expect.any(String));
		expect(output[2].taskId).toEqual(expect.any(String));
		expect(run.output().map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
	});

	test('without it, a failing submit stops the node and lists the tasks already created', async () => {
		sim.injectFault({ endpoint: 'generate', status: 400, count: 1 });
		const run = await runKling(api(), [{ prompt: 'a' }, { prompt: 'b' }, { prompt: 'c' }], {
			parameters: textToVideo({}, { concurrency: 2 }),
		});
		const created = sim.tasks().map((task) => task.taskId);
		expect(created.length).toBeGreaterThanOrEqual(1);
		for (const taskId of created) expect(errorOf(run).description).toContain(taskId);
	});
});
