/**
 * The Kling Trigger's window across webhook processes (issue 22): how long after one delivery of a callback reaches
 * webhook process A a second delivery of the same callback, reaching webhook process B, still starts a second
 * execution. n8n gives a trigger's webhook() nothing atomic across processes (README, "Scaling with queue mode"):
 * B starts nothing only if it reads the workflow's static data after A's webhook call has written the task id there.
 * The `scaled` topology of scripts/e2e (main + 2 workers + 2 webhook processes, PostgreSQL, Redis) against the
 * simulator, on 127.0.0.1; each delivery goes to one webhook process's own URL, past the balancer.
 *
 *   node build/bench/triggerWindow.js [--no-build] [--offsets 0,25,50,100,150,250,500,1000] [--tasks 8]
 *     [--ways download,confirm] [--out DIR]
 *
 * Ways (the Kling Trigger as users set it up, Verify with API on): `download` with Download Video (a 2 KB video),
 * `confirm` without. For each offset, `--tasks` tasks ended in the simulator without a callback; each one's callback
 * is delivered to A, and the same callback to B that many ms later. Pairs are 1.5 s apart, so each delivery comes
 * alone to its process (the trigger answers a lone callback after its run started). Then the receiver's executions
 * are counted per task. Writes <out>/trigger-window.json and .md. Not a test: it reports, it does not judge.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Environment } from '../scripts/e2e/environment';
import { logger, runMain, stopOnSignals, withEnvironment, writeResults } from './lib/cli';
import { ClusterClient, flag, machineLine, thisMachine, type Machine } from './lib/scaled';
import { sleep } from './lib/clients';
import { median, round } from './lib/stats';

const log = logger('trigger-window');
const TOKEN = 'bench-window-token';
const CREDENTIAL = { apixoApi: { id: 'apixoAccount0001', name: 'APIXO account' } };
type Way = 'download' | 'confirm';
/** Between two pairs: more than the trigger's quiet time (500 ms), so that each delivery comes alone. */
const PAIR_GAP_MS = 1500;
/** After the last pair: time for a late second execution to show up. */
const SETTLE_MS = 10_000;

interface OffsetRow {
	way: Way;
	/** B's delivery sent this long after A's. */
	offsetMs: number;
	tasks: number;
	/** Tasks with two executions, with one, with none. */
	twice: number;
	once: number;
	none: number;
	/** Arrival → answer at A and at B (median ms), and answers other than 200. */
	answerAMs: number;
	answerBMs: number;
	not200: number;
}

interface Results {
	machine: Machine;
	settings: { tasksPerOffset: number; pairGapMs: number; videoBytes: number };
	rows: OffsetRow[];
}

const VIDEO_BYTES = 2000;
const workflow = (way: Way) => ({
	id: way === 'download' ? 'benchWindowDownl' : 'benchWindowConfi',
	name: `bench trigger window ${way}`,
	active: true,
	nodes: [
		{
			id: 'trigger',
			name: 'Kling Trigger',
			type: 'n8n-nodes-apixo-kling.klingTrigger',
			typeVersion: 1,
			position: [0, 0],
			parameters: { events: 'both', verifyWithApi: true, token: TOKEN, downloadVideo: way === 'download', binaryPropertyName: 'data' },
			webhookId: `bench-window-${way}`,
			credentials: CREDENTIAL,
		},
	],
	connections: {},
	settings: { executionOrder: 'v1' },
});

class Cluster extends ClusterClient {
	/** A task ended in the simulator whose callback nobody has been sent. */
	async endedTask(label: string): Promise<string> {
		const prompt = `[sim:ms=200] [sim:size=${VIDEO_BYTES}] [sim:nocallback] ${label}`;
		const submitted = await this.sim<{ data: { taskId: string } }>('/api/v1/generateTask/kling-2-5-turbo-pro', {
			request_type: 'async',
			input: { mode: 'text-to-video', prompt, duration: 5 },
		});
		const taskId = submitted.data.taskId;
		for (const deadline = Date.now() + 30_000; ; await sleep(100)) {
			const task = await this.sim<{ state: string }>(`/__sim/tasks/${encodeURIComponent(taskId)}`);
			if (task.state === 'success') return taskId;
			if (Date.now() > deadline) throw new Error(`task ${taskId} did not end within 30 s`);
		}
	}

	/** Delivers the task's callback to `url` now; resolves with the answer's status and how long it took. */
	async deliver(taskId: string, url: string): Promise<{ status: number; ms: number }> {
		const started = Date.now();
		const { status } = await this.sim<{ status: number }>(`/__sim/callback/${encodeURIComponent(taskId)}`, { url });
		return { status, ms: Date.now() - started };
	}

	/** Executions of the workflow not in `seen` that have ended, counted by the task id their trigger emitted. */
	async executionsByTask(workflowId: string, seen: Set<string>): Promise<Map<string, number>> {
		const byTask = new Map<string, number>();
		for (let cursor: string | undefined; ; ) {
			const page = await this.api<{ data: Array<{ id: string; status: string }>; nextCursor?: string | null }>(
				`executions?workflowId=${workflowId}&limit=250${cursor ? `&cursor=${cursor}` : ''}`,
			);
			for (const { id, status } of page.data) {
				if (seen.has(String(id)) || ['new', 'running', 'waiting'].includes(status)) continue;
				seen.add(String(id));
				const execution = await this.api<{ data?: { resultData: { runData: Record<string, Array<{ data?: { main?: Array<Array<{ json: { taskId?: string } }>> } }>> } } }>(
					`executions/${id}?includeData=true`,
				);
				const taskId = String(execution.data?.resultData.runData['Kling Trigger']?.[0]?.data?.main?.[0]?.[0]?.json.taskId);
				byTask.set(taskId, (byTask.get(taskId) ?? 0) + 1);
			}
			if (!page.nextCursor) return byTask;
			cursor = page.nextCursor;
		}
	}
}

async function measure(env: Environment, way: Way, offsets: number[], tasks: number): Promise<OffsetRow[]> {
	const cluster = new Cluster(env);
	const { id } = workflow(way);
	const [urlA, urlB] = env.state.webhookProcesses.map((each) => `${each.url}webhook/bench-window-${way}/kling?token=${TOKEN}`);
	const seen = new Set<string>();
	await cluster.executionsByTask(id, seen);
	const pairs: Array<{ offsetMs: number; taskId: string; a: { status: number; ms: number }; b: { status: number; ms: number } }> = [];
	const run = Date.now().toString(36);
	for (const offsetMs of offsets) {
		for (let index = 0; index < tasks; index++) {
			const taskId = await cluster.endedTask(`trigger window ${run} ${way} ${offsetMs} #${index}`);
			const first = cluster.deliver(taskId, urlA);
			await sleep(offsetMs);
			const [a, b] = await Promise.all([first, cluster.deliver(taskId, urlB)]);
			pairs.push({ offsetMs, taskId, a, b });
			await sleep(PAIR_GAP_MS);
		}
		log(`${way}: B ${offsetMs} ms after A, ${tasks} tasks delivered`);
	}
	await sleep(SETTLE_MS);
	const byTask = await cluster.executionsByTask(id, seen);
	return offsets.map((offsetMs) => {
		const these = pairs.filter((pair) => pair.offsetMs === offsetMs);
		const counts = these.map((pair) => byTask.get(pair.taskId) ?? 0);
		const row: OffsetRow = {
			way,
			offsetMs,
			tasks: these.length,
			twice: counts.filter((count) => count >= 2).length,
			once: counts.filter((count) => count === 1).length,
			none: counts.filter((count) => count === 0).length,
			answerAMs: round(median(these.map((pair) => pair.a.ms)) ?? NaN) as number,
			answerBMs: round(median(these.map((pair) => pair.b.ms)) ?? NaN) as number,
			not200: these.filter((pair) => pair.a.status !== 200 || pair.b.status !== 200).length,
		};
		log(`${way} ${offsetMs} ms: ${JSON.stringify(row)}`);
		return row;
	});
}

function render(results: Results): string {
	const lines = [
		'# The Kling Trigger across two webhook processes: the window for a second execution',
		'',
		machineLine(results.machine, 'main + 2 workers + 2 webhook processes, PostgreSQL, Redis', 'bench/triggerWindow.ts'),
		`One callback delivered to webhook process A, and the same callback to webhook process B the given time later, each to the process's own URL; ` +
			`${results.settings.tasksPerOffset} tasks per row, pairs ${results.settings.pairGapMs} ms apart (each delivery comes alone to its process). ` +
			'Verify with API on; `download`: Download Video on (a 2 KB video), `confirm`: off. Answer times are from sending the delivery to its answer (median).',
		'',
		'| way | B sent after A | tasks with 2 executions | with 1 | with none | A answered after | B answered after | pairs not both 200 |',
		'|---|---|---|---|---|---|---|---|',
	];
	for (const row of results.rows) {
		lines.push(
			`| ${row.way} | ${row.offsetMs} ms | ${row.twice} of ${row.tasks} | ${row.once} | ${row.none} | ${row.answerAMs} ms | ${row.answerBMs} ms | ${row.not200} |`,
		);
	}
	for (const way of [...new Set(results.rows.map((row) => row.way))]) {
		const rows = results.rows.filter((row) => row.way === way);
		const last = rows.filter((row) => row.twice > 0).at(-1);
		const clean = last ? rows.find((row) => row.offsetMs > last.offsetMs && row.twice === 0) : rows[0];
		lines.push(
			'',
			last
				? `${way}: a second execution up to ${last.offsetMs} ms after A's delivery was sent${clean ? `; none from ${clean.offsetMs} ms on` : ''} (A answered after ${last.answerAMs} ms there).`
				: `${way}: no second execution at any offset measured.`,
		);
	}
	return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
	const repoDir = resolve(__dirname, '..', '..');
	stopOnSignals();
	const argv = process.argv.slice(2);
	const offsets = flag(argv, 'offsets', '0,25,50,100,150,250,500,1000').split(',').map(Number);
	const tasks = Number(flag(argv, 'tasks', '8'));
	const ways = flag(argv, 'ways', 'download,confirm').split(',') as Way[];
	const out = resolve(flag(argv, 'out', join(repoDir, 'bench', 'results')));
	const results: Results = {
		machine: thisMachine(),
		settings: { tasksPerOffset: tasks, pairGapMs: PAIR_GAP_MS, videoBytes: VIDEO_BYTES },
		rows: [],
	};
	const workflowsDir = mkdtempSync(join(tmpdir(), 'bench-trigger-window-'));
	for (const way of ways) writeFileSync(join(workflowsDir, `${workflow(way).id}.json`), JSON.stringify(workflow(way)));
	try {
		await withEnvironment(
			{ mode: 'scaled', repoDir, runDir: join(repoDir, '.e2e', 'bench-trigger-window'), workflowsDir, build: !argv.includes('--no-build'), log },
			async (env) => {
				results.machine.n8n = env.state.n8nVersion;
				await new Cluster(env).sim('/__sim/config', { balance: 1_000_000_000, maxConcurrentTasks: 1_000_000 });
				for (const way of ways) results.rows.push(...(await measure(env, way, offsets, tasks)));
			},
		);
	} finally {
		rmSync(workflowsDir, { recursive: true, force: true });
	}
	log(`wrote ${writeResults(out, 'trigger-window', results, render)}`);
}

if (require.main === module) runMain('trigger-window bench', main);
