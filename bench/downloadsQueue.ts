/**
 * Download Video in queue mode (issue 22): the peak memory of the n8n processes that download while 20 videos are
 * stored, at 1 MB and at 100 MB each, with binary data in the database (n8n 2.x's queue-mode default) and on a
 * filesystem folder shared by every process. The `scaled` topology of scripts/e2e (main + 2 workers + 2 webhook
 * processes behind a round-robin balancer, PostgreSQL, Redis) against the simulator, on 127.0.0.1.
 *
 *   node build/bench/downloadsQueue.js [--no-build] [--videos 20] [--sizes 1048576,104857600]
 *     [--binary-modes database,filesystem] [--ways poll,callback,trigger] [--out DIR] [--append]
 *
 * Ways (what a user builds): `poll` one execution with 20 items, Kling Wait (Poll) with Download Video — the worker
 * downloads, 4 at a time; `callback` the same with Wait (Pause Until Callback) — the webhook process that takes the
 * resuming callback downloads, 4 at a time; `trigger` 20 tasks submitted with the Kling Trigger's URL as Callback
 * URL — each callback's webhook process downloads its video (Download Video on). The tasks end over 2 s.
 *
 * Before each run the processes that download are restarted (fresh, so each peak starts from the same floor) and
 * their VmHWM reset (/proc/<pid>/clear_refs); VmRSS is sampled every 50 ms as a check. Writes
 * <out>/downloads-queue.json and .md. Not a test: it reports, it does not judge.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Environment } from '../scripts/e2e/environment';
import { logger, runMain, stopOnSignals, withEnvironment, writeResults } from './lib/cli';
import { ClusterClient, flag, machineLine, thisMachine, type Machine } from './lib/scaled';
import { call, sleep } from './lib/clients';
import { memoryOf, resetPeak, sampleRss } from './lib/proc';
import { round } from './lib/stats';

const log = logger('downloads-queue');
const TOKEN = 'bench-download-token';
const CREDENTIAL = { apixoApi: { id: 'apixoAccount0001', name: 'APIXO account' } };
type Way = 'poll' | 'callback' | 'trigger';
type BinaryMode = 'database' | 'filesystem';

interface ProcessPeak {
	name: string;
	rssBeforeMb?: number;
	peakMb?: number;
	sampledPeakMb?: number;
}

interface DownloadRun {
	binaryMode: BinaryMode;
	way: Way;
	videos: number;
	videoBytes: number;
	/** Executions that ended in success, and videos in their output as binary data of the expected size. */
	succeeded: number;
	videosStored: number;
	wallS: number;
	/** Why videos are missing: each item without one by its `downloadError` (or what it says instead), counted. */
	downloadErrors?: Record<string, number>;
	/** The processes that download in this way (workers for poll, webhook processes otherwise), then main. */
	processes: ProcessPeak[];
	error?: string;
}

interface Results {
	machine: Machine;
	runs: DownloadRun[];
}

const node = (name: string, type: string, parameters: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
	id: name.toLowerCase(),
	name,
	type,
	typeVersion: type.endsWith('webhook') ? 2.1 : type.endsWith('respondToWebhook') ? 1.5 : 1,
	position: [0, 0],
	parameters,
	...extra,
});

/** Webhook → Respond {executionId} → one item per element of the body's `items` → Kling with Download Video. */
function klingWorkflow(id: string, path: string, waitMode: 'poll' | 'callback') {
	const options = waitMode === 'poll' ? { initialDelay: 0.5, pollInterval: 0.2, timeout: 10, downloadVideo: true } : { timeout: 10, downloadVideo: true };
	const nodes = [
		node('Webhook', 'n8n-nodes-base.webhook', { httpMethod: 'POST', path, responseMode: 'responseNode', options: {} }, { webhookId: path }),
		node('Respond', 'n8n-nodes-base.respondToWebhook', { respondWith: 'json', responseBody: '={{ JSON.stringify({ executionId: $execution.id }) }}', options: {} }),
		node('Items', 'n8n-nodes-base.splitOut', { fieldToSplitOut: 'body.items', options: {} }),
		node(
			'Kling',
			'n8n-nodes-apixo-kling.kling',
			{ operation: 'generate', mode: 'textToVideo', prompt: '={{ $json.prompt }}', duration: 5, aspectRatio: '16:9', waitMode, options },
			{ credentials: CREDENTIAL },
		),
	];
	const connections = Object.fromEntries(nodes.slice(0, -1).map((each, index) => [each.name, { main: [[{ node: nodes[index + 1].name, type: 'main', index: 0 }]] }]));
	return { id, name: `bench queue ${waitMode} download`, active: true, nodes, connections, settings: { executionOrder: 'v1' } };
}

const WORKFLOWS = {
	poll: klingWorkflow('benchQDownPoll00', 'bench-q-download-poll', 'poll'),
	callback: klingWorkflow('benchQDownCallbk', 'bench-q-download-callback', 'callback'),
	trigger: {
		id: 'benchQDownTrigge',
		name: 'bench queue trigger download',
		active: true,
		nodes: [
			node(
				'Kling Trigger',
				'n8n-nodes-apixo-kling.klingTrigger',
				{ events: 'both', verifyWithApi: true, token: TOKEN, downloadVideo: true, binaryPropertyName: 'data' },
				{ webhookId: 'bench-q-trigger', credentials: CREDENTIAL },
			),
		],
		connections: {},
		settings: { executionOrder: 'v1' },
	},
};

interface Ended {
	id: string;
	status: string;
	videos: number;
	errors: string[];
}

class Cluster extends ClusterClient {
	/** Executions of a workflow that ended, by id, with the videos of the wanted size in their last node's output. */
	async ended(workflowId: string, seen: Set<string>, bytes: number): Promise<Ended[]> {
		const page = (await this.api(`executions?workflowId=${workflowId}&limit=250`)) as { data: Array<{ id: string; status: string }> };
		const found = [];
		for (const { id, status } of page.data) {
			if (seen.has(String(id)) || ['new', 'running', 'waiting'].includes(status)) continue;
			const execution = (await this.api(`executions/${id}?includeData=true`)) as { data?: { resultData: { runData: Record<string, Array<{ data?: { main?: unknown[][] } }>> } } };
			const runs = Object.values(execution.data?.resultData.runData ?? {});
			const items = (runs.at(-1)?.at(-1)?.data?.main?.[0] ?? []) as Array<{
				json?: { downloadError?: string; verified?: boolean; state?: string; verifyError?: string };
				binary?: { data?: { bytes?: number } };
			}>;
			// An item without the video: its downloadError, else what it says instead.
			const errors = items
				.filter((item) => item.binary?.data?.bytes !== bytes)
				.map(({ json = {}, binary }) =>
					(json.downloadError ?? `no downloadError: ${JSON.stringify({ state: json.state, verified: json.verified, verifyError: json.verifyError, bytes: binary?.data?.bytes })}`).replace(/task_\w+/g, 'task_…'),
				);
			found.push({ id: String(id), status, videos: items.filter((item) => item.binary?.data?.bytes === bytes).length, errors });
		}
		return found;
	}

	async restart(names: string[]): Promise<void> {
		for (const name of names) await this.env.kill(name);
		await Promise.all(names.map(async (name) => await this.env.start(name)));
	}
}

async function measure(env: Environment, binaryMode: BinaryMode, way: Way, videos: number, bytes: number): Promise<DownloadRun> {
	const cluster = new Cluster(env);
	const downloaders = way === 'poll' ? env.state.workers : env.state.webhookProcesses.map((each) => each.name);
	await cluster.restart(downloaders);
	await sleep(3000);
	const workflowId = WORKFLOWS[way].id;
	const seen = new Set((await cluster.ended(workflowId, new Set(), bytes)).map(({ id }) => id));
	const names = [...downloaders, 'n8n-main'];
	const pids = names.map((name) => env.state.pids[name]);
	const before = pids.map((pid) => memoryOf(pid)?.rss);
	const reset = pids.map((pid) => resetPeak(pid));
	const samplers = pids.map((pid) => sampleRss(pid, 50));
	const run = Date.now().toString(36);
	const prompts = Array.from({ length: videos }, (_, index) => `[sim:ms=${3000 + index * 100}] [sim:size=${bytes}] queue download ${run} #${index}`);
	const started = Date.now();
	let error: string | undefined;
	const executions: Ended[] = [];
	const expected = way === 'trigger' ? videos : 1;
	try {
		if (way === 'trigger') {
			const url = `${env.state.webhookUrl}webhook/bench-q-trigger/kling?token=${TOKEN}`;
			for (const prompt of prompts) {
				await cluster.sim('/api/v1/generateTask/kling-2-5-turbo-pro', { request_type: 'callback', callback_url: url, input: { mode: 'text-to-video', prompt, duration: 5 } });
			}
		} else {
			const { status, text } = await call(`${env.state.webhookUrl}webhook/${way === 'poll' ? 'bench-q-download-poll' : 'bench-q-download-callback'}`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ items: prompts.map((prompt) => ({ prompt })) }),
			}, 120_000);
			if (status !== 200) throw new Error(`start: ${status} ${text.slice(0, 200)}`);
		}
		for (const deadline = Date.now() + 600_000; executions.length < expected; await sleep(1000)) {
			if (Date.now() > deadline) throw new Error(`${executions.length} of ${expected} executions ended within 600 s`);
			executions.push(...(await cluster.ended(workflowId, seen, bytes)));
			executions.forEach(({ id }) => seen.add(id));
		}
	} catch (caught) {
		error = (caught as Error).message;
	}
	const wallS = (Date.now() - started) / 1000;
	const sampled = samplers.map((sampler) => sampler.stop().peakRss);
	const mb = (value: number | undefined) => (value === undefined || Number.isNaN(value) ? undefined : round(value / 1024 / 1024));
	const result: DownloadRun = {
		binaryMode,
		way,
		videos,
		videoBytes: bytes,
		succeeded: executions.filter(({ status }) => status === 'success').length,
		videosStored: executions.reduce((sum, each) => sum + each.videos, 0),
		wallS: round(wallS, 1) as number,
		downloadErrors: executions.flatMap((each) => each.errors).reduce<Record<string, number>>((counts, message) => ({ ...counts, [message]: (counts[message] ?? 0) + 1 }), {}),
		processes: names.map((name, index) => ({
			name,
			rssBeforeMb: mb(before[index]),
			peakMb: reset[index] ? mb(memoryOf(pids[index])?.hwm) : undefined,
			sampledPeakMb: mb(sampled[index]),
		})),
		error,
	};
	log(`${binaryMode} ${way} ${videos} × ${bytes} B: ${result.succeeded} ok, ${result.videosStored} videos, ${result.wallS} s, ${JSON.stringify(result.processes)}${error ? `, ${error}` : ''}`);
	return result;
}

function render(results: Results): string {
	const lines = [
		'# Download Video in queue mode: peak memory of the downloading processes',
		'',
		machineLine(results.machine, 'main + 2 workers + 2 webhook processes behind a round-robin balancer, PostgreSQL, Redis', 'bench/downloadsQueue.ts'),
		'Peak = VmHWM since the run started (the downloading processes restarted fresh before it); "before" = VmRSS at the start.',
		'poll: the workers download; callback and trigger: the webhook processes. main is shown for comparison.',
		'',
		'| binary data | way | videos × size | ok / videos stored | wall s | downloading processes: before → peak MB | main peak MB |',
		'|---|---|---|---|---|---|---|',
	];
	for (const run of results.runs) {
		const downloaders = run.processes.filter((each) => each.name !== 'n8n-main');
		const main = run.processes.find((each) => each.name === 'n8n-main');
		const size = run.videoBytes >= 1024 * 1024 ? `${round(run.videoBytes / 1024 / 1024)} MB` : `${run.videoBytes} B`;
		lines.push(
			`| ${run.binaryMode} | ${run.way} | ${run.videos} × ${size} | ${run.succeeded} / ${run.videosStored}${run.error ? ` (${run.error})` : ''} | ${run.wallS} | ` +
				`${downloaders.map((each) => `${each.name.replace('n8n-', '')} ${each.rssBeforeMb} → ${each.peakMb ?? each.sampledPeakMb}`).join(', ')} | ${main?.peakMb ?? main?.sampledPeakMb} |`,
		);
	}
	const failed = results.runs.filter((run) => Object.keys(run.downloadErrors ?? {}).length > 0);
	if (failed.length > 0) lines.push('', 'Videos not stored, by the item\'s downloadError:');
	for (const run of failed) {
		for (const [message, count] of Object.entries(run.downloadErrors ?? {})) lines.push(`- ${run.binaryMode} ${run.way} ${run.videos} × ${run.videoBytes} B: ${count} × "${message}"`);
	}
	return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
	const repoDir = resolve(__dirname, '..', '..');
	stopOnSignals();
	const argv = process.argv.slice(2);
	const videos = Number(flag(argv, 'videos', '20'));
	const sizes = flag(argv, 'sizes', `${1024 * 1024},${100 * 1024 * 1024}`).split(',').map(Number);
	const modes = flag(argv, 'binary-modes', 'database,filesystem').split(',') as BinaryMode[];
	const ways = flag(argv, 'ways', 'poll,callback,trigger').split(',') as Way[];
	const out = resolve(flag(argv, 'out', join(repoDir, 'bench', 'results')));
	const results: Results = { machine: thisMachine(), runs: [] };
	// --append: keep the runs of the results file that this invocation does not measure again.
	const previous = join(out, 'downloads-queue.json');
	const keep = (run: DownloadRun) => !(modes.includes(run.binaryMode) && ways.includes(run.way) && sizes.includes(run.videoBytes));
	const kept = argv.includes('--append') && existsSync(previous) ? (JSON.parse(readFileSync(previous, 'utf8')) as Results).runs.filter(keep) : [];
	for (const binaryMode of modes) {
		const workflowsDir = mkdtempSync(join(tmpdir(), 'bench-downloads-queue-'));
		for (const workflow of Object.values(WORKFLOWS)) writeFileSync(join(workflowsDir, `${workflow.id}.json`), JSON.stringify(workflow));
		try {
			await withEnvironment(
				{
					mode: 'scaled',
					repoDir,
					runDir: join(repoDir, '.e2e', 'bench-downloads-queue'),
					workflowsDir,
					build: !argv.includes('--no-build') && binaryMode === modes[0],
					simulator: { timeScale: 0.05 },
					binaryDataMode: binaryMode === 'filesystem' ? 'filesystem' : undefined,
					log,
				},
				async (env) => {
					results.machine.n8n = env.state.n8nVersion;
					await new Cluster(env).sim('/__sim/config', { balance: 1_000_000_000, maxConcurrentTasks: 1_000_000 });
					for (const bytes of sizes) for (const way of ways) results.runs.push(await measure(env, binaryMode, way, videos, bytes));
				},
			);
		} finally {
			rmSync(workflowsDir, { recursive: true, force: true });
			rmSync(join(repoDir, '.e2e', 'bench-downloads-queue', 'binary-data'), { recursive: true, force: true });
		}
	}
	const order = (run: DownloadRun) => `${run.binaryMode === 'database' ? 0 : 1}${String(run.videoBytes).padStart(12, '0')}${['poll', 'callback', 'trigger'].indexOf(run.way)}`;
	results.runs = [...kept, ...results.runs].sort((a, b) => order(a).localeCompare(order(b)));
	log(`wrote ${writeResults(out, 'downloads-queue', results, render)}`);
}

if (require.main === module) runMain('downloads-queue bench', main);
