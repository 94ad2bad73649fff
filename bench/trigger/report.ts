/** trigger.md, and the Kling Trigger section of latest.md. */
import type { BurstResult, TriggerBenchResults } from '../results';
import type { Variant } from '../settings';
import { lostForCertain, triggerTargets } from './targets';

const VARIANT_LABELS: Record<Variant, string> = { verify: 'verified', noverify: 'unverified', refused: "refused at once (n8n's floor)" };

/** What became of the executions that did not succeed, e.g. " (64 not ended by n8n, 3 error)". */
function executionNotes(burst: BurstResult, unreadable: number): string {
	const failed = burst.executionsNotSucceeded - burst.executionsNotEnded;
	const notes = [
		unreadable ? `${unreadable} redacted` : '',
		burst.executionsNotEnded ? `${burst.executionsNotEnded} not ended by n8n` : '',
		failed > 0 ? `${failed} error` : '',
	].filter(Boolean);
	return notes.length ? ` (${notes.join(', ')})` : '';
}

/** The burst table and the targets, as Markdown lines (for trigger.md and the main report). */
export function triggerSection(results: TriggerBenchResults): string[] {
	const s = (ms: number | undefined) => (ms === undefined ? 'n/a' : (ms / 1000).toFixed(1));
	const lines = [
		`${results.date}, n8n ${results.n8nVersion}, ${results.machine.cores} × ${results.machine.cpuModel}; load before ` +
			`${results.machine.loadBefore.join(' / ')}, after ${results.machine.loadAfter.join(' / ')}; APIXO's redelivery delays × ${results.retryScale}.`,
		'',
		'| mode | trigger | N at once | first answer p50 / p95 / max (s) | answers | retries | executions | duplicates | lost | drained (s) | n8n CPU per callback (ms) | peak memory of the answering process (MB) | other cores busy |',
		'|---|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
	];
	for (const burst of results.bursts) {
		const answers = Object.entries(burst.answers)
			.map(([status, count]) => `${count} × ${status === '0' ? 'none' : status}`)
			.join(', ');
		const { unreadable, lost } = lostForCertain(burst);
		lines.push(
			`| ${burst.mode} | ${VARIANT_LABELS[burst.variant]} | ${burst.n.toLocaleString('en-US')} | ` +
				`${s(burst.firstAnswer.median)} / ${s(burst.firstAnswer.p95)} / ${s(burst.firstAnswer.max)} | ${answers} | ${burst.variant === 'refused' ? '—' : burst.retries} | ` +
				(burst.variant === 'refused'
					? '— | — | — | — | '
					: `${burst.executionsStarted}${executionNotes(burst, unreadable)} | ${burst.extraExecutions} | ${lost} | ${s(burst.drainMs)} | `) +
				`${burst.n8nCpuMsPerCallback} | ${burst.peakRssMb ?? 'n/a'} | ${burst.otherCores} |`,
		);
	}
	lines.push('');
	if (results.bursts.some((burst) => lostForCertain(burst).unreadable > 0)) {
		lines.push(
			'"redacted": executions that ran but whose data n8n shows to no one — it redacts a run when its start-up check for dynamic credentials fails (logged as "Could not check for resolvable credentials; redacting run for everyone", a database pool timeout in the burst). Their task ids cannot be read; each is counted for one of the tasks without a readable execution, and "lost" counts the tasks left over.',
			'',
		);
	}
	if (results.bursts.some((burst) => burst.executionsNotEnded > 0)) {
		lines.push(
			'"not ended by n8n": executions n8n created with the task\'s data but had not ended 5 minutes after the last delivery (seen when its database lock timed out while it started them: "Timeout waiting for lock SqliteWriteConnectionMutex" in WorkflowRunner.run). Each holds its task id and shows as running in n8n\'s executions list: the task is not lost, but the workflow did not run for it.',
			'',
		);
	}
	for (const target of triggerTargets(results)) lines.push(`- ${target.pass ? 'PASS' : 'MISS'} ${target.target}: ${target.measured}. ${target.note}`);
	lines.push('');
	return lines;
}

export function renderTriggerMarkdown(results: TriggerBenchResults): string {
	return `${['# Kling Trigger burst benchmark', '', ...triggerSection(results)].join('\n')}\n`;
}
