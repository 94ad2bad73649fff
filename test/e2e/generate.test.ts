/**
 * The Kling node in a real n8n, installed from the packed package: each scenario starts a published workflow
 * through its production webhook and reads the execution back through n8n's public API.
 */
import { readFileSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { n8n, Scenario, sim, state, summary, type Execution } from './harness/client';

async function succeeded(scenario: Scenario, executionId: string): Promise<Execution> {
	const execution = await n8n.waitFor(scenario, executionId);
	scenario.check(execution.status === 'success', () => `expected success, got ${summary(execution)}`);
	return execution;
}

describe('Kling node in a real n8n', () => {
	test('text to video with Wait (Poll): one item with the task id, state and video URL, submitted as asked', async () => {
		const scenario = new Scenario('text to video, poll');
		const prompt = '[sim:ms=1500] A red fox runs through fresh snow';
		const execution = await succeeded(scenario, await n8n.run(scenario, 'textPoll', [{ prompt, duration: 10, aspectRatio: '9:16' }]));
		const items = n8n.items(execution, 'Kling');
		scenario.equal(items.length, 1, 'number of Kling output items');
		const output = items[0].json;
		scenario.equal(output.state, 'success', 'output state');
		const task = await sim.task(String(output.taskId));
		scenario.equal(output.videoUrl, task.resultUrl, `videoUrl of task ${task.taskId}`);
		scenario.equal(
			{ request_type: task.request_type, mode: task.input.mode, prompt: task.input.prompt, duration: task.input.duration, aspect: task.input.aspect_ratio },
			{ request_type: 'async', mode: 'text-to-video', prompt, duration: 10, aspect: '9:16' },
			'what the simulator received',
		);
	});

	test('image to video with an end frame: both image URLs reach APIXO in order, and the video comes back', async () => {
		const scenario = new Scenario('image to video with end frame');
		const start = 'https://images.example.com/first.png';
		const end = 'https://images.example.com/last.webp';
		const execution = await succeeded(
			scenario,
			await n8n.run(scenario, 'imagePoll', [{ prompt: '[sim:ms=1200] The bud opens', startImageUrl: start, endImageUrl: end }]),
		);
		const [item] = n8n.items(execution, 'Kling');
		scenario.equal(item?.json.state, 'success', 'output state');
		const task = await sim.task(String(item.json.taskId));
		scenario.equal(task.input.mode, 'image-to-video', 'mode sent');
		scenario.equal(task.input.image_urls, [start, end], 'image_urls sent (start, end)');
		scenario.equal(item.json.videoUrl, task.resultUrl, 'videoUrl');
	});

	test('Get Task Status: reads a running task at once, and waits for it with Wait (Poll)', async () => {
		const scenario = new Scenario('getStatus');
		const taskId = await sim.submit('[sim:ms=2500] submitted elsewhere');
		const now = await succeeded(scenario, await n8n.run(scenario, 'statusNow', [{ taskId }]));
		const [current] = n8n.items(now, 'Kling');
		scenario.equal(current?.json.taskId, taskId, 'taskId');
		scenario.check(['pending', 'processing'].includes(String(current.json.state)), () => `state right after submit: ${current.json.state}`);

		const waited = await succeeded(scenario, await n8n.run(scenario, 'statusPoll', [{ taskId }]));
		const [final] = n8n.items(waited, 'Kling');
		const task = await sim.task(taskId);
		scenario.equal({ state: final?.json.state, videoUrl: final?.json.videoUrl }, { state: 'success', videoUrl: task.resultUrl }, 'after waiting');
	});

	test('Get Balance: the balance the API reports, in USD', async () => {
		const scenario = new Scenario('getBalance');
		const execution = await succeeded(scenario, await n8n.run(scenario, 'balance', [{}]));
		const [item] = n8n.items(execution, 'Kling');
		scenario.check(typeof item?.json.balance === 'number', () => `balance: ${JSON.stringify(item?.json)}`);
		scenario.equal(item.json.currency, 'USD', 'currency');
	});

	test('a failed task fails the execution with its task id, fail code and message', async () => {
		const scenario = new Scenario('failed task');
		const executionId = await n8n.run(scenario, 'textPoll', [{ prompt: '[sim:ms=800] [sim:fail=CONTENT_VIOLATION] forbidden' }]);
		const execution = await n8n.waitFor(scenario, executionId);
		scenario.equal(execution.status, 'error', 'status');
		const task = scenario.must(
			(await sim.tasks()).find((each) => each.input.prompt.includes('forbidden') && each.state === 'failed'),
			() => 'the simulator has no failed task for this prompt',
		);
		const message = `${execution.data?.resultData.error?.message ?? ''} ${execution.data?.resultData.error?.description ?? ''}`;
		for (const expected of [task.taskId, 'CONTENT_VIOLATION']) {
			scenario.check(message.includes(expected), () => `error should name ${expected}: "${message}"`);
		}
	});

	test('bad input: the error names the field and the item, and no task is submitted', async () => {
		const scenario = new Scenario('bad input');
		const before = (await sim.stats()).requests.generate;
		const executionId = await n8n.run(scenario, 'textPoll', [{ prompt: '[sim:ms=500] fine' }, { prompt: '   ' }]);
		const execution = await n8n.waitFor(scenario, executionId);
		scenario.equal(execution.status, 'error', 'status');
		const message = execution.data?.resultData.error?.message ?? '';
		scenario.check(/Prompt/.test(message) && /item 1\b/.test(message), () => `error should name Prompt and item 1: "${message}"`);
		scenario.equal((await sim.stats()).requests.generate - before, 0, 'submits sent to APIXO');
	});

	test('429 storm: rate-limited submits and status checks are retried and the video still arrives', async () => {
		const scenario = new Scenario('429 storm');
		const before = await sim.stats();
		await sim.faults([
			{ endpoint: 'generate', count: 3, status: 429, retryAfter: 1 },
			{ endpoint: 'status', count: 4, status: 429 },
		]);
		const execution = await succeeded(scenario, await n8n.run(scenario, 'textPoll', [{ prompt: '[sim:ms=1000] storm' }]));
		const [item] = n8n.items(execution, 'Kling');
		scenario.equal(item?.json.state, 'success', 'output state');
		const after = await sim.stats();
		scenario.check(after.rateLimited - before.rateLimited >= 7, () => `429s served: ${after.rateLimited - before.rateLimited}, expected 7`);
		scenario.equal(after.submitsAccepted - before.submitsAccepted, 1, 'tasks created (a 429 must not create a second one)');
	});

	test('download: the MP4 lands in filesystem binary data byte for byte', async () => {
		const scenario = new Scenario('download');
		const size = 3_000_000;
		const execution = await succeeded(scenario, await n8n.run(scenario, 'download', [{ prompt: `[sim:ms=800] [sim:size=${size}] download me` }]));
		const [hashed] = n8n.items(execution, 'Hash');
		const taskId = String(hashed?.json.taskId);
		const task = await sim.task(taskId);
		scenario.equal(hashed.json.sha256, task.fileSha256, `SHA-256 (by n8n's Crypto node) of the video of task ${taskId}`);
		const binary = n8n.items(execution, 'Kling')[0]?.binary?.data;
		scenario.equal({ fileName: binary?.fileName, mimeType: binary?.mimeType }, { fileName: `${taskId}.mp4`, mimeType: 'video/mp4' }, 'binary metadata');
		// Filesystem mode: the id is "filesystem-v2:<path under the storage folder>".
		const id = String(binary?.id ?? '');
		scenario.check(id.startsWith('filesystem-v2:'), () => `binary id ${id} is not filesystem mode`);
		const file = join(state().userFolder, '.n8n', 'storage', id.slice('filesystem-v2:'.length));
		scenario.check(existsSync(file), () => `binary file ${file} does not exist`);
		const bytes = readFileSync(file);
		scenario.equal(bytes.length, size, 'size of the stored file');
		scenario.equal(createHash('sha256').update(bytes).digest('hex'), task.fileSha256, 'SHA-256 of the stored file');
	});
});
