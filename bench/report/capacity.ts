/** bench/results/capacity-<mode>.md: the callback load in a queue-mode shape (scenarios/capacity.ts). */
import type { BenchResults, CallbackLoadResult, CapacityShape, RateStep } from '../results';
import { num, seconds, table } from './format';

const answersText = (answers: Record<string, number>) =>
	Object.entries(answers)
		.map(([status, times]) => `${num(times)} × ${status === '0' ? 'no answer' : status}`)
		.join(', ');

const errorsText = (errors: Record<string, number>) =>
	Object.entries(errors)
		.map(([line, times]) => `${num(times)} × "${line}"`)
		.join(', ') || '0';

/** CPU ms per callback summed by role: main, workers, webhook processes. */
function byRole(cpu: Record<string, number> | undefined): [number, number, number, number] {
	const sum = (prefix: string) => Object.entries(cpu ?? {}).reduce((total, [name, ms]) => total + (name.startsWith(prefix) ? ms : 0), 0);
	const [main, workers, webhooks] = [sum('n8n-main'), sum('n8n-worker'), sum('n8n-webhook')];
	return [main, workers, webhooks, main + workers + webhooks];
}

const cpuCells = (cpu: Record<string, number> | undefined) => byRole(cpu).map((ms) => `${num(ms, 1)} ms`);
const CPU_HEADER = ['CPU main', 'CPU workers', 'CPU webhook processes', 'CPU n8n in all'];

const answeredPerSecond = (step: RateStep) => (step.answeredSpanMs ? (step.callbacks * 1000) / step.answeredSpanMs : undefined);
const resumedPerSecond = (step: RateStep) => (step.succeeded * 1000) / step.drainMs;

function stepTable(steps: RateStep[], ping: boolean): string {
	return table(
		['Callbacks / s', 'Callbacks', 'Answers', 'Succeeded', 'n8n log errors', 'Answer median / max', 'Answered / s', 'All ended after (resumed / s)', ...CPU_HEADER, ping ? 'Ping' : 'Clean'],
		steps.map((step) => [
			num(step.ratePerSecond),
			num(step.callbacks),
			answersText(step.answers),
			`${num(step.succeeded)} / ${num(step.callbacks)}`,
			errorsText(step.logErrors),
			`${num(step.answerMsMedian)} / ${num(step.answerMsMax)} ms`,
			num(answeredPerSecond(step), 1),
			`${seconds(step.drainMs)} (${num(resumedPerSecond(step), 1)})`,
			...cpuCells(step.cpuMsByProcess),
			ping
				? (step.logErrors['Database ping failed'] ?? 0) > 0 || (step.answers['503'] ?? 0) > 0
					? '**failed**'
					: 'held'
				: step.clean
					? step.keepsUp
						? 'yes'
						: 'yes, answers over 10 s'
					: '**no**',
		]),
	);
}

function shapeText(shape: CapacityShape): string {
	return shape.mode === 'scaled'
		? `main + ${shape.workers} workers + ${shape.webhookProcesses} webhook processes behind a round-robin load balancer`
		: `main + ${shape.workers} worker + ${shape.webhookProcesses} webhook process`;
}

/** The summary: the figures the capacity rows stand for. */
function summary(load: CallbackLoadResult, shape: CapacityShape): string[] {
	const clean = load.rates.filter((step) => step.clean);
	const best = (value: (step: RateStep) => number | undefined) => Math.max(...clean.map((step) => value(step) ?? NaN).filter(Number.isFinite));
	const kling = load.rates.find((step) => step.ratePerSecond === shape.floorRate);
	const [, , , stockTotal] = byRole(load.stockWait?.cpuMsByProcess);
	const [, , , klingTotal] = byRole(kling?.cpuMsByProcess);
	const floor = load.floor[0];
	const ping = load.pingSeries;
	const pingSteps = [...load.rates.filter(() => shape.mode === 'queue'), ...(ping?.rates ?? [])];
	const held = pingSteps.filter((step) => !(step.logErrors['Database ping failed'] || step.answers['503'])).map((step) => step.ratePerSecond);
	return [
		table(
			['', 'Measured'],
			[
				['Callbacks answered per second (highest over clean steps)', clean.length ? num(best(answeredPerSecond), 1) : 'no clean step'],
				['Executions resumed per second (highest over clean steps)', clean.length ? num(best(resumedPerSecond), 1) : 'no clean step'],
				['Highest clean rate / highest that keeps up', `${num(load.maxCleanRatePerSecond)} / ${num(load.maxKeepUpRatePerSecond)} callbacks/s`],
				[`n8n CPU per resume at ${num(shape.floorRate)}/s: Kling node / stock Wait (n8n's own resume)`, `${num(klingTotal, 1)} ms / ${num(stockTotal, 1)} ms`],
				["The Kling node's share of a resume (the difference)", kling && load.stockWait ? `${num(klingTotal - stockTotal, 1)} ms` : 'n/a'],
				["n8n's floor per callback (answered 404 before any API read, 1 item waiting)", floor ? `${num(byRole(floor.cpuMsByProcess)[3], 1)} ms` : 'n/a'],
				[
					`One webhook process directly (${ping?.to ?? 'n/a'}): highest rate with the ping holding / first with it failing`,
					`${held.length ? num(Math.max(...held)) : 'none'} / ${ping?.firstFailureRate !== undefined ? `${num(ping.firstFailureRate)} callbacks/s` : 'not reached'}`,
				],
			],
		),
		'',
	];
}

export function renderCapacity(results: BenchResults): string {
	const load = results.callbackLoad as CallbackLoadResult;
	const shape = load.shape as CapacityShape;
	const { machine, versions } = results;
	const out: string[] = [];
	out.push(`# Capacity in queue mode: ${shapeText(shape)}${results.quick ? ' (quick run)' : ''}`);
	out.push('');
	out.push(
		`${results.date.slice(0, 10)} · commit ${versions.commit} · n8n ${versions.n8n} on Node ${versions.node.replace(/^v/, '')} · ` +
			`${machine.cores} cores (${machine.cpuModel}), ${num(machine.memoryBytes / 1024 ** 3)} GB RAM · whole run ${num(results.durationS / 60, 1)} min`,
	);
	out.push('');
	out.push(
		`Machine load: 1-min load average ${machine.load.before[0]} before, ${machine.load.after[0]} after, up to ${machine.load.max1} during the run; ` +
			`other processes kept **${machine.otherCoresAverage} of ${machine.cores} cores** busy on average while the scenarios ran. ` +
			'Rates and answer times depend on that; CPU per callback much less.',
	);
	out.push('');
	out.push(
		`n8n ${versions.n8n} in queue mode, ${shapeText(shape)} (\`scripts/e2e/environment.ts\` mode \`${shape.mode}\`): every process with its own ` +
			`user folder and the package installed there, Redis, PostgreSQL with a pool of ${shape.databasePoolSize} connections per process, ` +
			`${num(shape.workerConcurrency)} execution slots per worker, binary data in the database, everything on 127.0.0.1. Callbacks are delivered ` +
			"by the benchmark through the APIXO simulator (a real POST with APIXO's body and 30 s answer timeout) to the task's `callback_url`, " +
			`the execution's resume URL on ${shape.callbacksTo}. n8n CPU: utime + stime of every n8n process from the first callback until n8n is ` +
			'quiet again (idle housekeeping included), per callback, summed by role; the main process\'s share includes the benchmark\'s ' +
			'reads of the executions through the public API (once a second per execution not yet ended).',
	);
	out.push('');
	out.push('## Summary');
	out.push('');
	out.push(...summary(load, shape));

	out.push("## n8n's floor per callback");
	out.push('');
	out.push(
		'A callback for a task the execution does not wait for: n8n looks up and loads the waiting execution and runs the ' +
			"node's webhook(), which answers 404 before any API read; nothing resumes. 2 callbacks at once.",
	);
	out.push('');
	out.push(
		table(
			['Items in the waiting execution', 'Callbacks', 'Answers', 'Answer time (median)', 'Callbacks / s (2 at once)', ...CPU_HEADER],
			load.floor.map((each) => [
				num(each.itemsPerExecution),
				num(each.callbacks),
				answersText(each.answers),
				`${num(each.answerMsMedian)} ms`,
				num((each.callbacks * 1000) / each.wallMs, 1),
				...cpuCells(each.cpuMsByProcess),
			]),
		),
	);
	out.push('');

	out.push(`## A resume: the Kling node next to n8n's own (callbacks per second: ${num(shape.floorRate)})`);
	out.push('');
	out.push(
		`For ${num(load.secondsPerStep)} s, one callback every 1/${num(shape.floorRate)} s, each to its own execution waiting with 1 item whose task has ended. ` +
			"n8n's own resume: `bench/workflows/benchStockWait00.json`, a stock HTTP Request submits the task with `callback_url` = " +
			'`$execution.resumeUrl` and a stock Wait (On Webhook Call) waits; the callback resumes it and it ends. The Kling node: ' +
			"Wait (Pause Until Callback), whose webhook() reads the task's status once, then resumes.",
	);
	out.push('');
	const kling = load.rates.find((step) => step.ratePerSecond === shape.floorRate);
	out.push(
		table(
			['Workflow', 'Answers', 'Succeeded', 'Answer median / max', ...CPU_HEADER],
			(
				[
					['Stock HTTP Request + Wait', load.stockWait],
					['Kling, Wait (Pause Until Callback)', kling],
				] as Array<[string, RateStep | undefined]>
			).map(([name, step]) =>
				step
					? [name, answersText(step.answers), `${num(step.succeeded)} / ${num(step.callbacks)}`, `${num(step.answerMsMedian)} / ${num(step.answerMsMax)} ms`, ...cpuCells(step.cpuMsByProcess)]
					: [name, 'not measured (the rates stopped below this one)', '', '', '', '', '', ''],
			),
		),
	);
	out.push('');

	out.push(`## Resumes paced at a fixed rate, through ${shape.callbacksTo}`);
	out.push('');
	out.push(
		`For ${num(load.secondsPerStep)} s per step, one callback every 1/rate s, each to its own execution waiting with 1 item whose task has ended. ` +
			'Clean: every callback answered 200, every execution ended in success within 60 s of the last callback, no n8n log line ' +
			'"timeout exceeded when trying to connect", "Workflow could not be started", "Database ping failed", "SQLITE_BUSY", "Problem with execution" ' +
			'in any process; it keeps up when every answer also came within 10 s. Answered / s: callbacks / (first sent → last answered). ' +
			'The rates stop at the first step that is not clean.',
	);
	out.push('');
	out.push(stepTable(load.rates, false));
	out.push('');

	const ping = load.pingSeries;
	if (ping) {
		out.push(`## One webhook process directly (${ping.to}): until the database ping fails`);
		out.push('');
		out.push(
			`Resumes as above, every callback sent to ${ping.to}'s own URL${shape.mode === 'scaled' ? ' (past the balancer)' : ''}, at increasing rates (${num(load.secondsPerStep)} s per step), ` +
				'stopping at the first step where n8n logs "Database ping failed" or answers 503 ("Database is not ready!").' +
				(ping.note ? ` ${ping.note}` : ''),
		);
		out.push('');
		if (ping.rates.length > 0) out.push(stepTable(ping.rates, true), '');
	}

	if (results.notes.length > 0) {
		out.push('## Notes');
		out.push('');
		for (const line of results.notes) out.push(`- ${line}`);
		out.push('');
	}
	const rates = load.rates.map((step) => step.ratePerSecond).join(',');
	const pingRates = (ping?.rates ?? []).map((step) => step.ratePerSecond).join(',');
	out.push('## Reproduce');
	out.push('');
	out.push('```sh');
	out.push('source scripts/node24.sh && npm ci && npm run build && npm run build:tools');
	out.push(
		`node build/bench/run.js --no-build${results.quick ? ' --quick' : ''} --load-only --env-mode ${shape.mode} --load-rates ${rates} --load-seconds ${load.secondsPerStep} ` +
			`--floor-rate ${shape.floorRate}${pingRates ? ` --ping-rates ${pingRates}` : ''}`,
	);
	out.push('```');
	out.push('');
	return out.join('\n');
}
