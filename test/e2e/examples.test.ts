/**
 * examples/: every file imports into n8n as is and uses only node types this n8n knows; the runnable ones run
 * against the simulator (through `n8n execute`, as Manual Trigger workflows) and do what their notes say.
 * The AI Agent example runs in agent.test.ts, with a stand-in chat model.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCopy, example, examples, testCopy } from './harness/examples';
import { isWebhookRegistered } from '../../scripts/e2e/n8n';
import { n8n, Scenario, sim, state, summary, type Execution } from './harness/client';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs a copy of an example with `n8n execute` and returns its stored execution. */
async function runCopy(scenario: Scenario, file: string): Promise<Execution> {
	const id = await createCopy(scenario, testCopy(example(file), state()));
	const { ok, exit, output } = n8n.execute(scenario, id);
	const latest = scenario.must((await n8n.executionsOf(id, 1))[0], () => `n8n execute --id=${id} left no execution (${exit}): ${output.slice(-800)}`);
	scenario.executionId = latest.id;
	const execution = await n8n.waitFor(scenario, latest.id);
	scenario.check(execution.status === 'success' && ok, () => `${file}: ${exit}, ${summary(execution)}; n8n execute printed: ${output.slice(-800)}`);
	return execution;
}

function sha256(file: string): string {
	return createHash('sha256').update(readFileSync(file)).digest('hex');
}

describe('examples/ in a real n8n', () => {
	test('every example is imported unchanged and uses only node types and versions this n8n has', async () => {
		const scenario = new Scenario('examples import');
		const known = new Map<string, number[]>();
		for (const type of (await n8n.internal('types/nodes.json')) as Array<{ name: string; version: number | number[] }>) {
			known.set(type.name, [...(known.get(type.name) ?? []), ...[type.version].flat()]);
		}
		for (const { file, workflow } of examples()) {
			const stored = await n8n.publicApi('GET', `workflows/${workflow.id}`);
			scenario.check(stored.status === 200, () => `${file} (id ${workflow.id}) was not imported: ${stored.status}`);
			const storedNodes = (stored.body as { nodes: Array<{ name: string; type: string }> }).nodes.map((node) => `${node.name}|${node.type}`);
			scenario.equal(storedNodes.sort(), workflow.nodes.map((node) => `${node.name}|${node.type}`).sort(), `${file}: nodes after import`);
			for (const node of workflow.nodes) {
				const versions = scenario.must(known.get(node.type), () => `${file}: node "${node.name}" has type ${node.type}, which this n8n does not know`);
				scenario.check(versions.includes(node.typeVersion), () => `${file}: ${node.type} has no version ${node.typeVersion} (known: ${versions.join(', ')})`);
			}
		}
	});

	test('text to video, save the MP4: the file written to disk is the task\'s video', async () => {
		const scenario = new Scenario('example text-to-video-save-file');
		const execution = await runCopy(scenario, 'text-to-video-save-file.json');
		const [item] = n8n.items(execution, 'Kling');
		const task = await sim.task(String(item?.json.taskId));
		const file = join(state().filesFolder, `${task.taskId}.mp4`);
		scenario.check(existsSync(file), () => `${file} was not written`);
		scenario.equal(sha256(file), task.fileSha256, `SHA-256 of ${file}`);
	});

	test('image to video with an end frame: both images sent, one video out', async () => {
		const scenario = new Scenario('example image-to-video-end-frame');
		const execution = await runCopy(scenario, 'image-to-video-end-frame.json');
		const [item] = n8n.items(execution, 'Kling');
		const task = await sim.task(String(item?.json.taskId));
		scenario.equal(task.input.image_urls?.length, 2, 'image URLs sent');
		scenario.equal({ state: item.json.state, videoUrl: item.json.videoUrl }, { state: 'success', videoUrl: task.resultUrl }, 'Kling output');
	});

	test('batch from a list of prompts: one video per prompt, in the prompts\' order', async () => {
		const scenario = new Scenario('example batch-from-prompts');
		const execution = await runCopy(scenario, 'batch-from-prompts.json');
		const prompts = n8n.items(execution, 'One Item per Prompt').map((item) => item.json.prompt);
		const items = n8n.items(execution, 'Kling');
		scenario.equal(items.length, prompts.length, 'Kling items per prompt');
		for (const [index, item] of items.entries()) {
			const task = await sim.task(String(item.json.taskId));
			scenario.equal({ prompt: task.input.prompt, state: item.json.state }, { prompt: prompts[index], state: 'success' }, `item ${index}`);
		}
	});

	test('callback pair: the submit example\'s task starts the published receiver example, which saves the MP4', async () => {
		const scenario = new Scenario('example callback pair');
		const receiverId = await createCopy(scenario, testCopy(example('callback-1-receive-with-kling-trigger.json'), state()));
		const published = await n8n.publicApi('POST', `workflows/${receiverId}/activate`);
		scenario.check(published.status === 200, () => `publishing the receiver copy: ${published.status} ${JSON.stringify(published.body).slice(0, 300)}`);
		for (let tries = 0; tries < 150 && !(await isWebhookRegistered(state().webhookUrl, 'kling-example-receiver-e2e/kling')); tries++) {
			await sleep(200);
		}

		const submitted = await runCopy(scenario, 'callback-2-submit-with-callback-url.json');
		const taskId = String(n8n.items(submitted, 'Kling')[0]?.json.taskId);
		let received: Execution | undefined;
		for (let waited = 0; waited < 60_000 && !received; waited += 300) {
			const [latest] = await n8n.executionsOf(receiverId, 1);
			if (latest && latest.status !== 'running' && latest.status !== 'new') received = await n8n.execution(latest.id);
			else await sleep(300);
		}
		const run = scenario.must(received, () => `the receiver copy (${receiverId}) did not run for task ${taskId}`);
		scenario.executionId = run.id;
		scenario.check(run.status === 'success', () => `receiver: ${summary(run)}`);
		scenario.equal(n8n.items(run, 'Kling Trigger')[0]?.json.taskId, taskId, 'task the receiver got');
		const file = join(state().filesFolder, `${taskId}.mp4`);
		scenario.check(existsSync(file), () => `${file} was not written by the receiver`);
		scenario.equal(sha256(file), (await sim.task(taskId)).fileSha256, `SHA-256 of ${file}`);
	});
});
