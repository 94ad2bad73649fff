/**
 * Batches at a timing other than the default, or in queue mode (--spread, --real-timing, --env-mode queue): the
 * heading's timing and mode, and Wait (Pause Until Callback) next to Wait (Poll) at each N.
 */
import type { BatchResult, BenchResults } from '../results';
import { num, seconds, table } from './format';

type Settings = BenchResults['settings'];

/** How the run was timed, in words: APIXO's real timing, or time scaled (tasks spread or all the same). */
export function timingText(settings: Settings): string {
	if (settings.timeScale === 1) return "APIXO's real timing";
	const speed = settings.timeScale === 0.1 ? "ten times APIXO's speed" : `time scaled by ${settings.timeScale}`;
	return settings.timing === 'spread' ? `${speed}, tasks spread like real videos` : speed;
}

/** The heading's suffix: empty for the default run (compressed timing, one process). */
export function timingHeading(settings: Settings): string {
	if (!settings.timing && !settings.environmentMode) return '';
	return ` — batches at ${timingText(settings)}, ${settings.environmentMode === 'queue' ? 'queue mode' : 'one n8n process'}`;
}

/** Callback deliveries per task the node paused for, counting the redeliveries APIXO still had due. */
export function deliveriesPerTask(batch: BatchResult): number | undefined {
	const tasks = batch.requestTypes?.callback ?? 0;
	return tasks > 0 ? (batch.cost.callbackDeliveries + (batch.redeliveriesDue ?? 0)) / tasks : undefined;
}

/** Wait (Pause Until Callback)'s wall-clock over Wait (Poll)'s at the same N, when both finished. */
export function callbackPollRatio(results: BenchResults, n: number): number | undefined {
	const wall = (mode: string) => results.batches.find((each) => each.mode === mode && each.n === n && !each.timedOut && each.status === 'success')?.wallMs;
	const callback = wall('callback');
	const poll = wall('poll');
	return callback !== undefined && poll ? callback / poll : undefined;
}

function waitedBy(batch: BatchResult): string {
	const paused = batch.requestTypes?.callback ?? 0;
	const polled = batch.requestTypes?.async ?? 0;
	const hint = batch.hints?.length ? `; hint: "${batch.hints[0]}"` : '';
	if (batch.mode === 'poll') return `polled${hint}`;
	if (paused > 0 && polled === 0) return `paused${batch.callbackTo?.length ? ` (callbacks to ${batch.callbackTo.join(', ')})` : ''}${hint}`;
	if (polled > 0 && paused === 0) return `**polled by itself** (${num(polled)} tasks async)${hint}`;
	return `${num(paused)} paused, ${num(polled)} polled${hint}`;
}

export function waitModesSection(results: BenchResults): string[] {
	const { settings } = results;
	if (!settings.timing && !settings.environmentMode) return [];
	const batches = results.batches.filter((each) => each.mode === 'callback' || each.mode === 'poll');
	if (batches.length === 0) return [];
	const delays = (settings.callbackRetryDelaysMs ?? []).map((ms) => num((ms * settings.timeScale) / 1000, 1)).join(', ');
	const out: string[] = [];
	out.push(`## Wait (Pause Until Callback) versus Wait (Poll), ${timingText(settings)}, ${settings.environmentMode === 'queue' ? 'queue mode' : 'one n8n process'}`);
	out.push('');
	out.push(
		`One execution with N items in each wait mode, the same task durations for both at the same N. The node waits ${num(settings.nodeOptions.initialDelayS, 1)} s, ` +
			`then reads every ${num(settings.nodeOptions.pollIntervalS, 1)} s; the simulator delivers each callback as APIXO does (${num((settings.callbackAnswerTimeoutMs ?? 30_000) / 1000)} s to answer, ` +
			`again after ${delays} s while not answered 200, 4 deliveries at most). A batch is stopped after ${num(settings.batchStopAfterS)} s. ` +
			'Requests: submit + status + balance per video. Deliveries per task: every callback POST to the tasks the node paused for; a callback not answered 200 ' +
			'is waited for until it has been delivered again once, and the deliveries APIXO still had due then (up to 4 in all per task, none of which an ' +
			`ended execution answers 200) are counted as "due". Above ${settings.maxCallbackItems} items the node polls by itself.`,
	);
	out.push('');
	const sizes = [...new Set(batches.map((each) => each.n))].sort((a, b) => a - b);
	const rows: string[][] = [];
	for (const n of sizes) {
		for (const mode of ['callback', 'poll'] as const) {
			const batch = batches.find((each) => each.mode === mode && each.n === n);
			if (!batch) continue;
			const endpoints = batch.cost.byEndpoint;
			const answers = Object.entries(batch.cost.callbackAnswers)
				.filter(([status]) => status !== '200')
				.map(([status, times]) => `${num(times)} × ${status === '0' ? 'no answer' : status}`);
			if (batch.redeliveriesDue) answers.push(`${num(batch.redeliveriesDue)} due`);
			const perTask = deliveriesPerTask(batch);
			const ratio = mode === 'callback' ? callbackPollRatio(results, n) : undefined;
			const finished = !batch.timedOut && batch.status === 'success';
			rows.push([
				num(n),
				mode === 'callback' ? 'Pause Until Callback' : 'Poll',
				finished ? seconds(batch.wallMs) : batch.timedOut ? `**not finished** (${batch.note ?? ''}; ${batch.tasksEnded}/${n} ended)` : `${batch.status}: ${batch.error ?? ''}`.slice(0, 120),
				ratio === undefined ? '' : `×${num(ratio, 3)}`,
				`${num(batch.requestsPerVideo, 2)} (${num(endpoints.generate / n, 2)} + ${num(endpoints.status / n, 2)} + ${num(endpoints.balance / n, 2)})`,
				num(endpoints.status / n, 2),
				perTask === undefined ? '—' : num(perTask, 2),
				mode === 'callback' ? answers.join(', ') || '0' : '—',
				waitedBy(batch),
				!batch.taskMsRange
					? ''
					: batch.taskMsRange[0] === batch.taskMsRange[1]
						? seconds(batch.taskMsRange[0])
						: `${num(batch.taskMsRange[0] / 1000, 1)}–${seconds(batch.taskMsRange[1])}`,
			]);
		}
	}
	out.push(
		table(
			[
				'N',
				'Wait',
				'Wall-clock',
				'Callback / poll wall-clock',
				'Requests / video (submit + status + balance)',
				'Status reads / video',
				'Callback deliveries / task',
				'Non-200 answers',
				'Waited by',
				'Tasks took',
			],
			rows,
		),
	);
	out.push('');
	return out;
}
