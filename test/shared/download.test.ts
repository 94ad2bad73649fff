import { Container } from '@n8n/di';
import { createHash } from 'crypto';
import type { IBinaryData } from 'n8n-workflow';
import { BinaryDataService } from 'n8n-core';

import { runKling } from '../helpers/engine';
import { errorOf, prompts, SECRET_KEY, textToVideo } from '../helpers/fixtures';
import { apiOf, useSimulator } from '../helpers/simulator';

const sim = useSimulator({ apiKeys: [SECRET_KEY] });
const api = apiOf(sim);
const download = (options: object = {}) => textToVideo({ waitMode: 'poll' }, { downloadVideo: true, ...options });

/** Hashes a binary as n8n stored it, reading it back as a stream (it lives on disk in filesystem mode). */
async function sha256Of(binary: IBinaryData): Promise<string> {
	const service = Container.get(BinaryDataService);
	const hash = createHash('sha256');
	const stream = binary.id ? await service.getAsStream(binary.id) : undefined;
	if (stream) {
		for await (const chunk of stream) hash.update(chunk as Buffer);
	} else {
		hash.update(await service.getAsBuffer(binary));
	}
	return hash.digest('hex');
}

describe('Download Video', () => {
	test('puts the MP4 into binary data as <taskId>.mp4, video/mp4', async () => {
		const run = await runKling(api(), prompts(1, () => '[sim:ms=100] [sim:size=300000]'), { parameters: download({ binaryPropertyName: 'video' }) });
		const [item] = run.output();
		const binary = item.binary?.video as IBinaryData;
		expect(binary).toMatchObject({ fileName: `${String(item.json.taskId)}.mp4`, mimeType: 'video/mp4' });
		expect(await sha256Of(binary)).toBe(sim.fileSha256(item.json.taskId as string));
	});

	test('a 100 MB result is written byte for byte', async () => {
		const run = await runKling(api(), prompts(1, () => `[sim:ms=100] [sim:size=${100 * 1024 * 1024}]`), { parameters: download() });
		const [item] = run.output();
		const binary = item.binary?.data as IBinaryData;
		expect(binary.id).toBeDefined(); // stored on disk, not held in memory
		expect(await sha256Of(binary)).toBe(sim.fileSha256(item.json.taskId as string));
	}, 60_000);

	test('a failed download names the host and HTTP status, and the item keeps its task ID and URL', async () => {
		sim.injectFault({ endpoint: 'files', status: 403 });
		const run = await runKling(api(), prompts(1, () => '[sim:ms=100]'), { parameters: download(), onError: 'continueRegularOutput' });
		const [item] = run.output();
		const host = new URL(sim.url).host;
		expect(item.json).toMatchObject({
			state: 'success',
			videoUrl: `${sim.url}/files/${String(item.json.taskId)}.mp4`,
			error: `Downloading the video of task ${String(item.json.taskId)} from ${host} failed: HTTP 403`,
		});
		expect(item.binary).toBeUndefined();
	});

	test('without Continue On Fail a failed download stops the node and still names the task', async () => {
		sim.injectFault({ endpoint: 'files', status: 404 });
		const run = await runKling(api(), prompts(1, () => '[sim:ms=100]'), { parameters: download() });
		const taskId = sim.tasks()[0].taskId;
		expect(errorOf(run).message).toBe(`Downloading the video of task ${taskId} from ${new URL(sim.url).host} failed: HTTP 404`);
		expect(errorOf(run).description).toContain(`${sim.url}/files/${taskId}.mp4`);
	});

	test('a download that breaks off half way is an error, not a truncated video', async () => {
		sim.injectFault({ endpoint: 'files', reset: 'after-accept' });
		const run = await runKling(api(), prompts(1, () => '[sim:ms=100] [sim:size=2000000]'), { parameters: download(), onError: 'continueRegularOutput' });
		const [item] = run.output();
		expect(item.json.error).toMatch(/^Downloading the video of task task_\w+ from 127\.0\.0\.1:\d+ failed/);
		expect(item.binary).toBeUndefined();
	});

	test('Get Task Status can download the video of a finished task', async () => {
		const submitted = await runKling(api(), prompts(1, () => '[sim:ms=50]'), { parameters: textToVideo() });
		const taskId = submitted.output()[0].json.taskId as string;
		await new Promise((resolve) => setTimeout(resolve, 150));
		const run = await runKling(api(), [{ taskId }], { parameters: { operation: 'getStatus', taskId: '={{ $json.taskId }}', options: { downloadVideo: true } } });
		expect(await sha256Of(run.output()[0].binary?.data as IBinaryData)).toBe(sim.fileSha256(taskId));
	});
});
