/** The targets of latest.json (whether each measurement met its goal, and why not) and the findings for its report. */
import { median, round } from './lib/stats';
import { callbackPollRatio, deliveriesPerTask, timingText } from './report/waitModes';
import type { BenchResults, MemoryRun, Target } from './results';
import { RATE_LIMIT_PER_MINUTE, type Mode } from './settings';
import { triggerTargets } from './trigger/targets';

export function evaluate(results: BenchResults): void {
	const latency = (mode: Mode) => results.latency.find((each) => each.mode === mode);
	const batches = (mode: Mode) => results.batches.filter((each) => each.mode === mode);
	const targets: Target[] = [];
	const fmt = (value: number | undefined, digits = 2) => (value === undefined ? 'n/a' : String(round(value, digits)));

	// 1. callback: 1 request per video plus 1 read-back. Batches the node polled by itself (above MAX_CALLBACK_ITEMS)
	// never paused: their requests are polling's, not callbacks'.
	const pausedBatches = batches('callback').filter((each) => !each.timedOut && (each.requestTypes?.callback ?? 0) > 0);
	const polledBatches = batches('callback').filter((each) => !each.timedOut && (each.requestTypes?.callback ?? 0) === 0 && (each.requestTypes?.async ?? 0) > 0);
	// Another timing or queue mode (batches only): every paused batch, N = 1 included, at that timing.
	const timed = Boolean(results.settings.timing || results.settings.environmentMode);
	const callbackRates = [
		...(latency('callback') ? [{ n: 1, rate: latency('callback')?.requestsPerVideo as number, label: 'N = 1' }] : []),
		...pausedBatches.filter((each) => each.n > 1 || (timed && !latency('callback'))).map((each) => ({ n: each.n, rate: each.requestsPerVideo, label: `N = ${each.n}` })),
	];
	const worstCallback = callbackRates.reduce((worst, each) => (each.rate > worst.rate ? each : worst), callbackRates[0] ?? { n: 0, rate: NaN, label: '' });
	const notCounted = polledBatches.length
		? ` ${polledBatches.map((each) => `N = ${each.n.toLocaleString('en-US')}`).join(' and ')} polled by themselves (above MAX_CALLBACK_ITEMS) and are not counted here.`
		: '';
	targets.push({
		id: 'callback-requests',
		target: 'Wait (Pause Until Callback): ≤ 3 API requests and ≤ 1.5 callback deliveries per video without faults',
		measured: callbackRates
			.map((each) => {
				const batch = pausedBatches.find((one) => one.n === each.n);
				const tasks = batch?.requestTypes?.callback;
				return `${each.label}: ${fmt(each.rate)}${batch && tasks ? ` requests, ${fmt(deliveriesPerTask(batch))} deliveries` : ' requests'}`;
			})
			.join('; '),
		pass:
			callbackRates.length > 0 &&
			callbackRates.every((each) => each.rate <= 3.0001) &&
			pausedBatches.every((each) => (deliveriesPerTask(each) as number) <= 1.5),
		note:
			worstCallback && worstCallback.rate > 3
				? `Besides the read-back of its own task, a callback reads others until two are proven to end later (resumeDecision.ts).${notCounted}`
				: `Submit + the read-back of its own task + reads of other tasks until two are proven to end later (resumeDecision.ts).${notCounted}`,
	});
	if (timed) {
		// The issue's target at this timing: the pause costs no more wall-clock than polling at the same N.
		const pairs = [...new Set(pausedBatches.map((each) => each.n))].map((n) => ({ n, ratio: callbackPollRatio(results, n) }));
		const measured = pairs.filter((each) => each.ratio !== undefined);
		if (measured.length > 0) {
			targets.push({
				id: 'callback-wall-vs-poll',
				target: `Wait (Pause Until Callback) at ${timingText(results.settings)}: wall-clock within 5 % of Wait (Poll)'s at the same N`,
				measured: measured.map((each) => `N = ${each.n}: ×${fmt(each.ratio, 3)}`).join('; '),
				pass: measured.every((each) => (each.ratio as number) <= 1.05) && measured.length === pairs.length,
				note:
					'Both end after the batch\'s slowest task: polling at its next read (every Poll Interval), the pause at the callback that finds every task ended, ' +
					"plus the resume; a callback n8n refuses before the execution has paused is delivered again only after APIXO's first redelivery delay.",
			});
		}
	}
	const callback1 = batches('callback').find((each) => each.n === 1);
	const callback100 = batches('callback').find((each) => each.n === 100);
	if (callback1?.wallMs !== undefined && callback100) {
		targets.push({
			id: 'callback-batch-100',
			target: 'Wait (Pause Until Callback), N = 100: wall-clock ≤ 1.5 × N = 1',
			measured: `${fmt((callback100.wallMs ?? NaN) / 1000, 1)} s vs ${fmt(callback1.wallMs / 1000, 1)} s (ratio ${fmt((callback100.wallMs ?? NaN) / callback1.wallMs)})`,
			pass: callback100.wallMs !== undefined && callback100.wallMs <= 1.5 * callback1.wallMs,
			note: 'Submitting 100 at Concurrency 10 takes part of the 3.75 s task; the rest is the resume after the last callback.',
		});
	}
	const callback1000 = batches('callback').find((each) => each.n === 1000);
	if (callback1000) {
		const polled = (callback1000.requestTypes?.async ?? 0) > 0 && !callback1000.requestTypes?.callback;
		targets.push({
			id: 'callback-batch-1000',
			target: 'Wait (Pause Until Callback), N = 1,000 finishes (by callbacks, or by the automatic switch to polling)',
			measured: `${callback1000.status}${callback1000.wallMs !== undefined ? ` in ${fmt(callback1000.wallMs / 1000, 1)} s` : ''}; ${
				polled ? 'polled by itself (every task submitted with request_type async)' : 'paused'
			}${callback1000.hints.length ? '; hint shown' : ''}`,
			pass: callback1000.status === 'success' && !callback1000.timedOut,
			note: `Above MAX_CALLBACK_ITEMS (${results.settings.maxCallbackItems}) the node polls instead of pausing and says so in a hint; the bench's callback workflow then polls at the same scaled schedule as Wait (Poll).`,
		});
	}
	const pollCpu = new Map(batches('poll').map((each) => [each.n, each.cpuMainMsPerItem]));
	const cpuRows = pausedBatches.filter((each) => pollCpu.has(each.n));
	const floor1 = results.callbackLoad?.floor.find((each) => each.itemsPerExecution === 1)?.n8nCpuMsPerCallback;
	if (cpuRows.length > 0) {
		targets.push({
			id: 'callback-cpu',
			target: "Wait (Pause Until Callback): n8n CPU per item ≤ 3 × Wait (Poll)'s",
			measured: cpuRows
				.map((each) => `N = ${each.n}: ${fmt(each.cpuMainMsPerItem, 1)} vs ${fmt(pollCpu.get(each.n), 1)} ms (×${fmt(each.cpuMainMsPerItem / (pollCpu.get(each.n) as number), 1)})`)
				.join('; '),
			pass: cpuRows.every((each) => each.cpuMainMsPerItem <= 3 * (pollCpu.get(each.n) as number)),
			note:
				floor1 !== undefined
					? `Every callback costs n8n itself about ${fmt(floor1, 0)} ms of CPU before the node decides anything (floor: a callback answered 404 by a minimal webhook(), see "Callback load"); ` +
						'a polled item costs n8n less than that in all, so where 3 × poll is under the floor the target is out of reach for any webhook().'
					: "n8n's own work per callback was not measured in this run.",
		});
	}

	// 2. poll ≤ 1/3 of the stock loop's requests, with no worse median latency.
	const pollRate = latency('poll')?.requestsPerVideo;
	const stockRate = latency('stock')?.requestsPerVideo;
	const pollMedian = latency('poll')?.latency.median;
	const stockMedian = latency('stock')?.latency.median;
	targets.push({
		id: 'poll-requests',
		target: 'Wait (Poll): ≤ 1/3 of the stock loop\'s requests per video',
		measured:
			pollRate !== undefined && stockRate !== undefined
				? `${fmt(pollRate)} vs ${fmt(stockRate)} (ratio ${fmt(pollRate / stockRate)})`
				: 'n/a',
		pass: pollRate !== undefined && stockRate !== undefined && pollRate <= stockRate / 3,
		note:
			'Without a batch status endpoint a polled video costs at least 2 requests (submit + 1 status read), and the stock loop at ' +
			'the same schedule costs 1 + (number of checks) ≈ 3–4; 1/3 of that is below the floor of 2. Same schedule, same count: ' +
			'the node saves requests only by reading fewer times, which would cost latency.',
	});
	targets.push({
		id: 'poll-latency',
		target: 'Wait (Poll): median completion-detection latency no worse than the stock loop',
		measured: `${fmt(pollMedian, 0)} ms vs ${fmt(stockMedian, 0)} ms`,
		pass: pollMedian !== undefined && stockMedian !== undefined && pollMedian <= stockMedian,
		note: `Both check ${results.settings.nodeOptions.initialDelayS} s after submit and then every ${results.settings.nodeOptions.pollIntervalS} s; the stock loop adds its nodes' run time to every round.`,
	});

	// 3. N = 1,000 in poll: ≤ 1.5 × N = 1 + the submit time the rate limit allows.
	const poll1 = batches('poll').find((each) => each.n === 1)?.wallMs;
	const pollBig = batches('poll').filter((each) => each.n > 1).sort((a, b) => b.n - a.n)[0];
	if (pollBig) {
		const allowance = (pollBig.n * 60_000) / RATE_LIMIT_PER_MINUTE;
		const limit = poll1 !== undefined ? 1.5 * poll1 + allowance : undefined;
		// The node spaces requests 60 s / limit × 1.02 apart; every video needs a submit and at least one status read.
		const floor = 2 * pollBig.n * (60_000 / RATE_LIMIT_PER_MINUTE) * 1.02;
		const stock1 = batches('stock').find((each) => each.n === 1)?.wallMs;
		const stockBig = batches('stock').find((each) => each.n === pollBig.n);
		targets.push({
			id: 'poll-batch',
			target: `Wait (Poll), N = ${pollBig.n.toLocaleString('en-US')}: wall-clock ≤ 1.5 × N = 1 + ${fmt(allowance / 1000, 1)} s (N submits at ${RATE_LIMIT_PER_MINUTE.toLocaleString('en-US')}/min)`,
			measured:
				`${fmt((pollBig.wallMs ?? NaN) / 1000, 1)} s vs limit ${fmt((limit ?? NaN) / 1000, 1)} s ` +
				`(ratio to N = 1: ${fmt((pollBig.wallMs ?? NaN) / (poll1 ?? NaN))}; stock loop: ${
					stockBig?.wallMs !== undefined && stock1 !== undefined ? fmt(stockBig.wallMs / stock1) : 'n/a'
				}); ${fmt(pollBig.requestsPerVideo)} requests/video`,
			pass: limit !== undefined && pollBig.wallMs !== undefined && pollBig.wallMs <= limit,
			note:
				`Status reads share the rate budget with submits: ${pollBig.n.toLocaleString('en-US')} videos need at least ` +
				`${(2 * pollBig.n).toLocaleString('en-US')} requests, which the node's pacing (60 s / 10,000 × 1.02) spreads over at least ` +
				`${fmt(floor / 1000, 1)} s${limit !== undefined && floor > limit ? ' — more than the target allows' : ''}. ` +
				(results.settings.timeScale === 1
					? 'At real timing (30–45 s videos) that floor is far under 1.5 × N = 1.'
					: 'At time scale 0.1 the tasks are 10× shorter but the rate limit is not scaled; in real time (a 40 s video) the same floor ' +
						'is far under 1.5 × N = 1.'),
		});
	}

	// 4. 0 × 429 with the limit enforced.
	if (results.rateLimit) {
		const rate = results.rateLimit;
		targets.push({
			id: 'rate-limit',
			target: `0 responses 429 while ${rate.n.toLocaleString('en-US')} items run in Wait (Poll), limit ${RATE_LIMIT_PER_MINUTE.toLocaleString('en-US')}/min enforced`,
			measured: `${rate.responses429} × 429; busiest 60 s window ${rate.maxRequestsInAnyWindow.toLocaleString('en-US')} requests; execution ${rate.status}`,
			pass: rate.responses429 === 0 && rate.status === 'success',
			note: 'The node paces every request of the key in the process at 60 s / limit × 1.02.',
		});
	}

	// 5. Memory for downloads: each run with download against the run without it just before (median of the pairs).
	const offs = results.memory.filter((each) => !each.download);
	const ons = results.memory.filter((each) => each.download);
	const peak = (run: MemoryRun) => run.peakHwmBytes ?? run.peakSampledBytes;
	const deltas = ons.map((on, index) => (offs[index] ? peak(on) - peak(offs[index]) : NaN)).filter(Number.isFinite);
	if (deltas.length > 0) {
		const delta = median(deltas) as number;
		const on = ons[0];
		targets.push({
			id: 'download-memory',
			target: `Peak RSS with ${on.items} × 100 MB downloads ≤ 100 MB above the same run without download`,
			measured:
				`${fmt(delta / 1024 / 1024, 0)} MB above${deltas.length > 1 ? ` (median of ${deltas.map((each) => fmt(each / 1024 / 1024, 0)).join(' and ')} MB)` : ''}; ` +
				`${ons.map((run) => run.itemsWithVideo).join(' and ')} videos, ${fmt(on.bytesStored / 1024 ** 3, 2)} GB stored per run`,
			pass: delta <= 100 * 1024 * 1024 && ons.every((run) => run.itemsWithVideo === run.items),
			note:
				'Filesystem binary data mode; the node streams each body into prepareBinaryData, 4 downloads at once. ' +
				'The peak does not grow with the file size (2 GB pass through), but single runs vary by tens of MB with garbage collection.',
		});
	}
	if (results.triggerBurst) targets.push(...triggerTargets(results.triggerBurst));
	results.targets = targets;
}

/** Observations computed from the numbers, for the Markdown report. */
export function findings(results: BenchResults): string[] {
	const out: string[] = [];
	const seconds = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${round(ms / 1000, 1)} s`);
	for (const batch of results.batches.filter((each) => each.mode === 'callback' && each.n >= 10)) {
		const answers = Object.entries(batch.cost.callbackAnswers)
			.map(([status, times]) => `${times} × ${status === '0' ? 'no answer' : status}`)
			.join(', ');
		out.push(
			`Wait (Pause Until Callback), N = ${batch.n.toLocaleString('en-US')}: ${round(batch.requestsPerVideo, 1)} API requests per video ` +
				`(${batch.cost.byEndpoint.status.toLocaleString('en-US')} status reads), ${round(batch.cpuMainMsPerItem)} ms of n8n CPU per item, ` +
				(batch.timedOut
					? `not finished after ${seconds(batch.cost.meter.elapsedMs)} although ${batch.tasksEnded} of ${batch.n} tasks had ended`
					: `output ${seconds(batch.tailMs)} after the last task ended`) +
				`; ${batch.cost.callbackDeliveries.toLocaleString('en-US')} callback deliveries (${answers || 'none'}` +
				(batch.cost.callbackAnswers['409'] ? '; 409 = "The execution is running already": the callback came while n8n was still running the execution, before it paused' : '') +
				(batch.tasksWithoutAcceptedCallback ? `; ${batch.tasksWithoutAcceptedCallback} tasks never had a callback answered 200` : '') +
				'), ' +
				`${batch.resumeConflicts} "already being resumed" conflicts, ${batch.databasePingFailures} n8n database ping failures.`,
		);
	}
	const download = results.memory.find((run) => run.download);
	if (download?.wallMs !== undefined) {
		const mbPerSecond = download.bytesStored / 1024 / 1024 / (download.wallMs / 1000);
		out.push(
			`Download Video: ${download.itemsWithVideo} × 100 MB stored in ${seconds(download.wallMs)} (${round(mbPerSecond)} MB/s with 4 at once; ` +
				`n8n used ${seconds(download.n8nCpuMs)} of CPU, the simulator serving the bytes ${seconds(download.simulatorCpuMs)}).`,
		);
	}
	for (const mode of ['poll', 'stock'] as Mode[]) {
		const big = results.batches.filter((each) => each.mode === mode && each.n >= 1000 && each.status === 'success')[0];
		if (!big) continue;
		out.push(
			`${mode === 'poll' ? 'Wait (Poll)' : 'Stock loop'}, N = ${big.n.toLocaleString('en-US')}: ${round(big.requestsPerVideo, 2)} requests per video, ` +
				`submits spread over ${seconds(big.submitSpanMs)}, output ${seconds(big.tailMs)} after the last task ended, ` +
				`${round(big.cpuMainMsPerItem, 1)} ms of n8n CPU per item.`,
		);
	}
	return out;
}
