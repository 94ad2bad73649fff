/** Issue 15's targets for the Kling Trigger bursts, and what counts as a lost task. */
import type { BurstResult, Target, TriggerBenchResults } from '../results';

/**
 * Executions whose data n8n would not show (it redacts a run's data for everyone when its start-up check for
 * dynamic credentials fails, e.g. on a database pool timeout in a burst): they ran, but their task id cannot be
 * read, so each is counted as one of the tasks without a readable execution. Tasks lost for certain: the rest.
 */
export function lostForCertain(burst: BurstResult): { unreadable: number; lost: number } {
	const readable = burst.n - burst.lostTasks + burst.extraExecutions;
	const unreadable = Math.max(0, burst.executionsStarted - readable);
	return { unreadable, lost: Math.max(0, burst.lostTasks - unreadable) };
}

/** Issue 15's targets: 200 at once answered with margin, 1,000 at once without loss (per mode measured). */
export function triggerTargets(results: TriggerBenchResults): Target[] {
	const targets: Target[] = [];
	const s = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);
	for (const burst of results.bursts.filter((each) => each.variant === 'verify')) {
		const floor = results.bursts.find((each) => each.variant === 'refused' && each.mode === burst.mode && each.n === burst.n);
		if (burst.n <= 200) {
			const pass = (burst.firstAnswer.p95 ?? Infinity) <= 10_000 && burst.retries === 0;
			const floorP95 = floor?.firstAnswer.p95;
			const floorNote =
				floorP95 === undefined
					? ''
					: ` n8n's own floor here (the same burst refused by the node before anything else, nothing started): p95 ${s(floorP95)}` +
						(!pass && floorP95 > 10_000 ? ', already above 10 s: out of reach for any trigger node in this mode on this machine.' : '.');
			targets.push({
				id: `trigger-${burst.mode}-${burst.n}`,
				target: `${burst.n} callbacks at once (${burst.mode}): p95 answer ≤ 10 s, 0 retries`,
				measured: `p95 ${s(burst.firstAnswer.p95)} (max ${s(burst.firstAnswer.max)}), ${burst.retries} retries, ${burst.executionsStarted} executions`,
				pass,
				note: `APIXO waits 30 s for a 200; 10 s leaves a margin of three.${floorNote}`,
			});
		} else {
			const { unreadable, lost } = lostForCertain(burst);
			targets.push({
				id: `trigger-${burst.mode}-${burst.n}`,
				target: `${burst.n.toLocaleString('en-US')} callbacks at once (${burst.mode}): 0 lost, 0 duplicate executions (retries allowed)`,
				measured:
					`${lost} lost, ${burst.extraExecutions} duplicate executions, ${burst.retries} retries, p95 answer ${s(burst.firstAnswer.p95)}` +
					(unreadable ? ` (${unreadable} executions ran with their data redacted by n8n, each counted for one of the tasks not read from an execution)` : '') +
					(burst.executionsNotEnded ? `; ${burst.executionsNotEnded} executions were created by n8n but not ended` : ''),
				pass: lost === 0 && burst.extraExecutions === 0,
				note: 'A task is lost when n8n has no execution for it: none of its up to 4 deliveries was answered 200, or one was and n8n then failed to create the execution.',
			});
		}
	}
	return targets;
}
