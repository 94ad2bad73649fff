/**
 * Download Video in queue mode with n8n 2.x's queue-mode binary data, the database: each way the package downloads
 * a video — the Kling node polling on a worker, the Kling node resumed by APIXO's callback on a webhook process, the
 * Kling Trigger on a webhook process — stores the MP4 in PostgreSQL's `binary_data` table, byte for byte. Checked
 * three ways: SHA-256 by n8n's Crypto node in the worker that runs the rest of the workflow, SHA-256 of the row by
 * PostgreSQL, and the bytes a user gets from the editor's download button (GET /rest/binary-data).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { n8n, Scenario, sim, state, summary, type Execution, type Item } from './harness/client';
import { receiverUrl, testWorkflows } from './harness/workflows';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Big enough to take several reads and writes of a stream, small enough for a 2-core machine in a suite. */
const SIZE = 6_000_000;

interface StoredRow {
	sourceType: string;
	sourceId: string;
	fileSize: number;
	mimeType: string;
	fileName: string;
	sha256: string;
}

/** The `binary_data` row of a binary id `database:<uuid>`, read with psql as the n8n processes connect. */
function storedRow(scenario: Scenario, binaryId: string): StoredRow | undefined {
	const fileId = /^database:([0-9a-f-]{36})$/.exec(binaryId)?.[1];
	scenario.check(fileId, () => `binary id ${binaryId} is not database mode ("database:<uuid>")`);
	const env = state().cliEnv;
	const sql =
		'SELECT "sourceType", "sourceId", "fileSize", "mimeType", "fileName", encode(sha256(data), \'hex\') ' +
		`FROM binary_data WHERE "fileId" = '${fileId}'`;
	const result = spawnSync(
		'psql',
		['-h', env.DB_POSTGRESDB_HOST, '-p', env.DB_POSTGRESDB_PORT, '-U', env.DB_POSTGRESDB_USER, '-d', env.DB_POSTGRESDB_DATABASE, '-At', '-F', '|', '-c', sql],
		{ env: { ...process.env, PGPASSWORD: env.DB_POSTGRESDB_PASSWORD }, encoding: 'utf8', timeout: 30_000 },
	);
	scenario.check(result.status === 0, () => `psql: ${result.stderr || result.error?.message}`);
	const line = result.stdout.trim();
	if (!line) return undefined;
	const [sourceType, sourceId, fileSize, mimeType, fileName, sha256] = line.split('|');
	return { sourceType, sourceId, fileSize: Number(fileSize), mimeType, fileName, sha256 };
}

/** The file as the editor's Download button fetches it (as the owner): status, size and SHA-256 of the body. */
async function downloadInEditor(binaryId: string): Promise<{ status: number; bytes?: number; sha256?: string }> {
	const { editorUrl, session } = state();
	const response = await fetch(`${editorUrl}rest/binary-data?id=${encodeURIComponent(binaryId)}&action=download`, {
		headers: { cookie: session.cookie, 'browser-id': session.browserId },
		signal: AbortSignal.timeout(60_000),
	});
	if (response.status !== 200 || !response.body) {
		await response.body?.cancel();
		return { status: response.status };
	}
	const hash = createHash('sha256');
	let bytes = 0;
	for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
		hash.update(chunk);
		bytes += chunk.length;
	}
	return { status: response.status, bytes, sha256: hash.digest('hex') };
}

/**
 * The checks every way shares: the Crypto node's hash, the binary metadata, the `binary_data` row (its source is
 * `sourceId`) with PostgreSQL's own hash of the bytes; returns the binary id.
 */
async function checkStored(scenario: Scenario, execution: Execution, downloader: string, sourceId: string): Promise<string> {
	const [video] = n8n.items(execution, downloader) as Item[];
	const taskId = String(video?.json.taskId);
	const task = await sim.task(taskId);
	scenario.equal(task.plan.size, SIZE, `size of the video of task ${taskId}`);
	scenario.equal(n8n.items(execution, 'Hash')[0]?.json.sha256, task.fileSha256, `SHA-256 (n8n's Crypto node, in a worker) of the video of task ${taskId}`);
	const binary = scenario.must(video?.binary?.data, () => `${downloader} output has no binary "data"`);
	scenario.equal({ fileName: binary.fileName, mimeType: binary.mimeType }, { fileName: `${taskId}.mp4`, mimeType: 'video/mp4' }, 'binary metadata');
	const binaryId = String(binary.id);
	const row = scenario.must(storedRow(scenario, binaryId), () => `no binary_data row for ${binaryId}`);
	scenario.equal(
		row,
		{ sourceType: 'execution', sourceId, fileSize: SIZE, mimeType: 'video/mp4', fileName: `${taskId}.mp4`, sha256: task.fileSha256 as string },
		`binary_data row of ${binaryId} (SHA-256 by PostgreSQL)`,
	);
	return binaryId;
}

describe('Download Video in queue mode: binary data in the database (n8n 2.x queue default)', () => {
	test('Wait (Poll): the worker stores the MP4 in binary_data; the editor downloads the same bytes', async () => {
		const scenario = new Scenario('poll download, database binary data');
		const executionId = await n8n.run(scenario, 'download', [{ prompt: `[sim:ms=1500] [sim:size=${SIZE}] poll download` }]);
		const done = await n8n.waitFor(scenario, executionId, undefined, 120_000);
		scenario.check(done.status === 'success', () => `expected success, got ${summary(done)}`);
		const binaryId = await checkStored(scenario, done, 'Kling', executionId);
		const task = await sim.task(String(n8n.items(done, 'Kling')[0]?.json.taskId));
		scenario.equal(await downloadInEditor(binaryId), { status: 200, bytes: SIZE, sha256: task.fileSha256 as string }, 'the editor\'s download');
	});

	test('Wait (Pause Until Callback): the webhook process that resumes stores the MP4 in binary_data; the editor downloads the same bytes', async () => {
		const scenario = new Scenario('callback download, database binary data');
		const executionId = await n8n.run(scenario, 'callbackDownload', [{ prompt: `[sim:ms=2500] [sim:size=${SIZE}] resumed download` }]);
		const done = await n8n.waitFor(scenario, executionId, undefined, 120_000);
		scenario.check(done.status === 'success', () => `expected success, got ${summary(done)}`);
		const taskId = String(n8n.items(done, 'Kling')[0]?.json.taskId);
		const task = await sim.task(taskId);
		scenario.check(task.callback_url?.includes(`/webhook-waiting/${executionId}`), () => `task ${taskId} calls back to ${task.callback_url}`);
		const delivered = (await sim.stats()).callbacks.filter((delivery) => delivery.taskId === taskId);
		scenario.check(delivered.some((delivery) => delivery.status === 200), () => `no callback of task ${taskId} answered 200: ${JSON.stringify(delivered)}`);
		const binaryId = await checkStored(scenario, done, 'Kling', executionId);
		scenario.equal(await downloadInEditor(binaryId), { status: 200, bytes: SIZE, sha256: task.fileSha256 as string }, 'the editor\'s download');
	});

	test('Kling Trigger: the webhook process stores the MP4 in binary_data before the execution exists (source "temp"); the workflow reads it byte for byte', async () => {
		const scenario = new Scenario('trigger download, database binary data');
		const receiverId = testWorkflows.receiver.workflow.id;
		const seen = new Set((await n8n.executionsOf(receiverId)).map(({ id }) => id));
		const taskId = await sim.submit(`[sim:ms=1500] [sim:size=${SIZE}] trigger download`, { request_type: 'callback', callback_url: receiverUrl(state().webhookUrl) });
		let received: Execution | undefined;
		for (const deadline = Date.now() + 120_000; !received; await sleep(500)) {
			scenario.check(Date.now() < deadline, () => `no receiver execution for task ${taskId} within 120 s`);
			for (const { id, status } of await n8n.executionsOf(receiverId)) {
				if (seen.has(id) || ['new', 'running', 'waiting'].includes(status)) continue;
				seen.add(id);
				const execution = (await n8n.execution(id)) as Execution;
				if (n8n.items(execution, 'Kling Trigger')[0]?.json.taskId === taskId) received = execution;
			}
		}
		scenario.executionId = received.id;
		scenario.check(received.status === 'success', () => `receiver: ${summary(received as Execution)}`);
		// n8n 2.41 runs a trigger's webhook() before the execution has an id, so the row's source is "temp"; its
		// restoreBinaryDataId renames only filesystem ids (".../temp/..."), never a database row.
		const binaryId = await checkStored(scenario, received, 'Kling Trigger', 'temp');
		// So the editor cannot tell which execution the file belongs to and refuses it (BinaryDataAccessService).
		scenario.equal(await downloadInEditor(binaryId), { status: 404 }, 'the editor\'s download of a trigger\'s video');
	});
});
