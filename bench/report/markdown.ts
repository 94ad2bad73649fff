/** bench/results/latest.md from the results object (also usable on a saved latest.json: `node build/bench/report.js FILE`). */
import { readFileSync } from 'node:fs';
import type { BatchResult, BenchResults } from '../results';
import type { Mode } from '../settings';
import { callbackLoadSection } from './callbackLoad';
import { megabytes, num, seconds, table } from './format';
import { deliveriesPerTask, timingHeading, waitModesSection } from './waitModes';
import { triggerSection } from '../trigger/report';

const MODE_NAMES: Record<Mode, string> = {
	poll: 'Kling, Wait (Poll)',
	callback: 'Kling, Wait (Pause Until Callback)',
	stock: 'Stock loop (HTTP Request + Wait + IF)',
};
const COLUMNS: Mode[] = ['poll', 'callback', 'stock'];

export function renderMarkdown(results: BenchResults): string {
	const { machine, versions, settings } = results;
	const out: string[] = [];
	out.push(`# Benchmark: the Kling node and the stock-node loop${results.quick ? ' (quick run)' : ''}${timingHeading(settings)}`);
	out.push('');
	out.push(
		`${results.date.slice(0, 10)} · commit ${versions.commit} · n8n ${versions.n8n} on Node ${versions.node.replace(/^v/, '')} · ` +
			`${machine.cores} cores (${machine.cpuModel}), ${num(machine.memoryBytes / 1024 ** 3)} GB RAM · whole run ${num(results.durationS / 60, 1)} min`,
	);
	out.push('');
	out.push(
		`Machine load: 1-min load average ${machine.load.before[0]} before, ${machine.load.after[0]} after, up to ${machine.load.max1} during the run; ` +
			`other processes kept **${machine.otherCoresAverage} of ${machine.cores} cores** busy on average while the scenarios ran ` +
			`(n8n with no workflow running: ${machine.idleN8nCpuMsPerSecond} ms CPU/s). Wall-clock and latency figures depend on that; request counts do not, ` +
			'and CPU time much less.',
	);
	out.push('');
	const queue = settings.environmentMode === 'queue';
	out.push(
		(queue
			? `n8n ${versions.n8n} in queue mode (main, worker and webhook process, Redis, PostgreSQL, n8n's queue-mode binary data; ` +
				'production webhooks and resume URLs, so the callbacks, served by the webhook process, executions run by the worker) '
			: `One real n8n ${versions.n8n} (single process, SQLite, filesystem binary data) `) +
			'with the package installed as a community package, ' +
			(settings.timeScale === 1
				? `the APIXO simulator at APIXO's real timing (time scale 1: APIXO's advice of 30 s then every 5 s is followed as it is), its rate limit of `
				: `the APIXO simulator with time scaled by ${settings.timeScale} (APIXO's advice of 30 s then every 5 s becomes ` +
					`${settings.nodeOptions.initialDelayS} s then every ${settings.nodeOptions.pollIntervalS} s), its rate limit of `) +
			`${num(settings.rateLimitPerMinute)} requests/min enforced, everything on 127.0.0.1. The node runs with Initial Delay ` +
			`${settings.nodeOptions.initialDelayS} s, Poll Interval ${settings.nodeOptions.pollIntervalS} s and otherwise default options ` +
			`(Concurrency ${settings.nodeOptions.concurrency}, Requests per Minute ${num(settings.nodeOptions.requestsPerMinute)}); ` +
			`the stock loop waits ${settings.stockLoop.firstWaitS} s, then checks and waits ${settings.stockLoop.loopWaitS} s between checks. ` +
			'Workflows: [`bench/workflows/`](../workflows/).',
	);
	out.push('');

	out.push('## Targets');
	out.push('');
	out.push(
		table(
			['Target', 'Measured', 'Result', 'Why'],
			results.targets.map((target) => [target.target, target.measured, target.pass ? '**pass**' : '**miss**', target.note]),
		),
	);
	out.push('');

	out.push(`## Requests per video and completion-detection latency`);
	out.push('');
	out.push(
		`${settings.latencySamplesPerMode} single-item executions per mode, started ${'0.75'} s apart, the same tasks for every mode ` +
			`(durations ${num(settings.latencyTaskMs[0] / 1000, 1)}–${num(settings.latencyTaskMs[1] / 1000, 1)} s, seeded). ` +
			'Latency: the task\'s end in the simulator (`endedAt`) → the end of the workflow\'s last node. Requests: submit + status + ' +
			'balance calls the simulator counted, divided by the videos.',
	);
	out.push('');
	out.push(
		table(
			['Mode', 'Requests / video', 'Latency median', 'Latency p95', 'Latency max', 'Execution wall-clock (median)', 'Failed'],
			results.latency.map((each) => [
				MODE_NAMES[each.mode],
				num(each.requestsPerVideo, 2),
				`${num(each.latency.median)} ms`,
				`${num(each.latency.p95)} ms`,
				`${num(each.latency.max)} ms`,
				seconds(each.wall.median, 2),
				String(each.failed),
			]),
		),
	);
	out.push('');

	const sizes = [...new Set(results.batches.map((each) => each.n))].sort((a, b) => a - b);
	const cell = (mode: Mode, n: number, render: (batch: BatchResult) => string) => {
		const batch = results.batches.find((each) => each.mode === mode && each.n === n);
		return batch ? render(batch) : 'not run';
	};
	const base = (mode: Mode) => results.batches.find((each) => each.mode === mode && each.n === 1)?.wallMs;
	out.push('## Batches: N items in one execution');
	out.push('');
	const taskMs = settings.batchTaskMs;
	out.push(
		(typeof taskMs === 'number'
			? `Every task takes ${num(taskMs / 1000, 2)} s (${num(taskMs / 100 / settings.timeScale / 10, 1)} s at real scale). `
			: `Task durations uniform in ${num(taskMs[0] / 1000, 1)}–${num(taskMs[1] / 1000, 1)} s from a generator seeded by N (the same tasks for every mode at the same N)` +
				(settings.timeScale === 1 ? ". APIXO's own 30–45 s for a 5 s video. " : ` (${num(taskMs[0] / 1000 / settings.timeScale)}–${num(taskMs[1] / 1000 / settings.timeScale)} s at real scale). `)) +
			'Wall-clock: execution start → end of its last node (N = 1: median of 3 runs), with the ratio to N = 1. ' +
			`CPU: utime + stime of the n8n ${queue ? 'processes (main, worker and webhook process together)' : 'main process'} from the start until the simulator has seen no request for 1.5 s and n8n ` +
				'uses under 10 % of a core again, per item (N = 1: median of 3). None of these workflows uses the task runner.',
	);
	out.push('');
	const wall = (batch: BatchResult) => {
		if (batch.timedOut) return `**not finished** (${batch.note ?? ''}; ${batch.tasksEnded}/${batch.n} tasks had ended)`;
		if (batch.status !== 'success') return `${batch.status}: ${batch.error ?? ''}`.slice(0, 160);
		const one = base(batch.mode);
		const polledItself = batch.mode === 'callback' && (batch.requestTypes?.async ?? 0) > 0 && !batch.requestTypes?.callback;
		return `${seconds(batch.wallMs)}${one && batch.n > 1 ? ` (×${num((batch.wallMs ?? NaN) / one, 1)})` : ''}${batch.note ? ` — ${batch.note}` : ''}${
			polledItself ? ` — polled by itself (above ${settings.maxCallbackItems} items)` : ''
		}`;
	};
	/** One row per batch size, one column per mode. */
	const batchTable = (render: (batch: BatchResult) => string): string =>
		table(['N', ...COLUMNS.map((mode) => MODE_NAMES[mode])], sizes.map((n) => [num(n), ...COLUMNS.map((mode) => cell(mode, n, render))]));
	out.push(batchTable(wall));
	out.push('');
	out.push('API requests per video (and responses 429):');
	out.push('');
	out.push(batchTable((batch) => `${num(batch.requestsPerVideo, 2)}${batch.cost.responses429 ? ` (${num(batch.cost.responses429)} × 429)` : ''}`));
	out.push('');
	out.push('n8n CPU time per item (main process), and last task\'s end → output:');
	out.push('');
	out.push(
		batchTable(
			(batch) => `${num(batch.cpuMainMsPerItem, 1)} ms/item · tail ${batch.tailMs === undefined ? 'n/a' : seconds(batch.tailMs, 2)}`,
		),
	);
	out.push('');

	if (results.rateLimit) {
		const rate = results.rateLimit;
		out.push('## Rate limit');
		out.push('');
		out.push(
			`${num(rate.n)} items in one Wait (Poll) execution, the simulator enforcing ${num(rate.limitPerMinute)} requests per 60 s: ` +
				`**${num(rate.responses429)} responses 429**, ${num(rate.apiRequests)} API requests, busiest 60 s window ` +
				`${num(rate.maxRequestsInAnyWindow)} requests, execution ${rate.status}${rate.wallMs !== undefined ? ` in ${seconds(rate.wallMs)}` : ''}.`,
		);
		out.push('');
	}

	out.push(...waitModesSection(results));

	const callbackBatches = results.batches.filter((each) => each.mode === 'callback');
	if (callbackBatches.length > 0) {
		out.push('## Wait (Pause Until Callback) batches: callbacks');
		out.push('');
		out.push(
			'The callback column above, by what APIXO delivered: deliveries per task (retries of callbacks answered non-200 included), ' +
				'answers 409 (n8n: the execution is running already, i.e. the callback came before it paused, or while it resumed), other ' +
				"non-200 answers (the node's deliberate 503 = deliver again, 404 = not this execution's task; 0 = no answer), and how the node waited: " +
				"the submitted tasks' request_type and the node's hint.",
		);
		out.push('');
		out.push(
			table(
				['N', 'Wall-clock', 'Requests / video', 'Deliveries / task', '409s', 'Other non-200', 'n8n CPU / item', 'Waited by'],
				callbackBatches.map((batch) => {
					const answers = batch.cost.callbackAnswers;
					const others = Object.entries(answers)
						.filter(([status]) => status !== '200' && status !== '409')
						.map(([status, times]) => `${num(times)} × ${status === '0' ? 'no answer' : status}`)
						.join(', ');
					const callbackTasks = batch.requestTypes?.callback ?? 0;
					const polled = batch.requestTypes?.async ?? 0;
					const how =
						callbackTasks > 0 && polled === 0
							? 'callbacks (paused)'
							: polled > 0 && callbackTasks === 0
								? `**polling, switched by itself** (${num(polled)} tasks request_type async)${batch.hints?.length ? `; hint: "${batch.hints[0]}"` : ''}`
								: `${num(callbackTasks)} callback, ${num(polled)} async tasks`;
					return [
						num(batch.n),
						wall(batch),
						num(batch.requestsPerVideo, 2),
						callbackTasks > 0 ? num(deliveriesPerTask(batch), 2) : '— (no callbacks)',
						num(answers['409'] ?? 0),
						others || '0',
						`${num(batch.cpuMainMsPerItem, 1)} ms`,
						how,
					];
				}),
			),
		);
		out.push('');
	}

	if (results.callbackLoad) out.push(...callbackLoadSection(results.callbackLoad));

	if (results.memory.length > 0) {
		out.push('## Memory while downloading');
		out.push('');
		out.push(
			'Peak resident memory of the n8n process (VmHWM, reset right before each run; VmRSS sampled every 50 ms as a check) ' +
				'during one Wait (Poll) execution whose tasks each produce a 100 MB video, with Download Video off and on, in the order listed.',
		);
		out.push('');
		out.push(
			table(
				['Download Video', 'Items', 'Videos stored', 'RSS before', 'Peak (VmHWM)', 'Peak (sampled)', 'Wall-clock'],
				results.memory.map((run) => [
					run.download ? 'on' : 'off',
					num(run.items),
					run.download ? `${num(run.itemsWithVideo)} (${num(run.bytesStored / 1024 ** 3, 2)} GB)` : '—',
					megabytes(run.rssBeforeBytes),
					megabytes(run.peakHwmBytes),
					megabytes(run.peakSampledBytes),
					`${seconds(run.wallMs)}${run.status !== 'success' ? ` (${run.status})` : ''}`,
				]),
			),
		);
		out.push('');
	}

	if (results.triggerBurst) {
		out.push('## Kling Trigger: callbacks at once');
		out.push('');
		out.push(...triggerSection(results.triggerBurst));
	}

	if (results.findings.length > 0 || results.notes.length > 0) {
		out.push('## Findings and notes');
		out.push('');
		for (const line of [...results.findings, ...results.notes]) out.push(`- ${line}`);
		out.push('');
	}

	out.push('## Reproduce');
	out.push('');
	out.push('```sh');
	out.push('source scripts/node24.sh && npm ci');
	out.push('npm run bench        # about 15 minutes on 2 cores; writes bench/results/latest.{json,md}');
	if (settings.timing || settings.environmentMode) {
		const modes = [...new Set(results.batches.map((each) => each.mode))].join(',');
		const sizeList = [...new Set(results.batches.map((each) => each.n))].sort((a, b) => a - b).join(',');
		const timing = settings.timing === 'real' ? ' --real-timing' : settings.timing === 'spread' ? ' --spread' : '';
		out.push(`npm run bench -- --batch-only --sizes ${sizeList} --modes ${modes}${timing} --env-mode ${settings.environmentMode ?? 'single'}   # these batches`);
	}
	out.push('```');
	out.push('');
	out.push(
		'It builds the package, starts n8n and the simulator on 127.0.0.1 under `.e2e/bench/` (stopped at the end), and never fails ' +
			'on a slow machine: misses are reported here. Run it on a quiet machine (check `uptime`); `--quick` does a smaller run into ' +
			'`bench/results/quick.*`.',
	);
	out.push('');
	return out.join('\n');
}

if (require.main === module) {
	const file = process.argv[2];
	if (!file) throw new Error('usage: report/markdown.js <latest.json>');
	process.stdout.write(renderMarkdown(JSON.parse(readFileSync(file, 'utf8')) as BenchResults));
}
