/** The "Callback load one n8n process holds" section of latest.md. */
import type { CallbackLoadResult } from '../results';
import { num, seconds, table } from './format';

export function callbackLoadSection(load: CallbackLoadResult): string[] {
	const out: string[] = [];
	out.push('## Callback load one n8n process holds');
	out.push('');
	out.push(
		'Callbacks delivered by the benchmark through the simulator (a real POST with APIXO\'s body and 30 s answer timeout) to executions ' +
			'waiting in Wait (Pause Until Callback), single n8n process with SQLite. n8n CPU: main process, from the first callback until n8n ' +
			'is quiet again (its idle housekeeping included), divided by the callbacks.',
	);
	out.push('');
	if (load.floor.length > 0) {
		out.push(
			"**n8n's own floor per callback**: a callback for a task the execution does not wait for. n8n looks up and loads the waiting " +
				"execution (with all its items' records) and runs the node's webhook(), which answers 404 before any API read; 2 callbacks at once.",
		);
		out.push('');
		out.push(
			table(
				['Items in the waiting execution', 'Callbacks', 'Answers', 'n8n CPU / callback', 'Answer time (median)', 'Callbacks / s (2 at once)'],
				load.floor.map((each) => [
					num(each.itemsPerExecution),
					num(each.callbacks),
					Object.entries(each.answers).map(([status, times]) => `${num(times)} × ${status === '0' ? 'no answer' : status}`).join(', '),
					`${num(each.n8nCpuMsPerCallback, 1)} ms`,
					`${num(each.answerMsMedian)} ms`,
					num((each.callbacks * 1000) / each.wallMs, 1),
				]),
			),
		);
		out.push('');
	}
	if (load.rates.length > 0) {
		out.push(
			`**Resumes paced at a fixed rate**: for ${num(load.secondsPerStep)} s, one callback every 1/rate s, each to its own execution waiting ` +
				'with 1 item whose task has ended (1 status read, then the execution resumes and ends). A step is clean when every callback is ' +
				'answered 200, every execution ends in success and n8n logs none of: ' +
				'"timeout exceeded when trying to connect", "Workflow could not be started", "Database ping failed", "SQLITE_BUSY", "Problem with execution". ' +
				`It keeps up when, besides, every answer came within ${num(10)} s (a third of APIXO's 30 s: a queue that grows at that rate passes 30 s in a longer burst). ` +
				'The rates stop at the first step that is not clean.',
		);
		out.push('');
		out.push(
			table(
				['Callbacks / s', 'Callbacks', 'Answers', 'Executions succeeded', 'n8n log errors', 'Answer time median / max', 'All ended after (resumes / s)', 'n8n CPU / resume', 'Clean', 'Keeps up'],
				load.rates.map((step) => [
					num(step.ratePerSecond),
					num(step.callbacks),
					Object.entries(step.answers).map(([status, times]) => `${num(times)} × ${status === '0' ? 'no answer' : status}`).join(', '),
					`${num(step.succeeded)} / ${num(step.callbacks)}`,
					Object.entries(step.logErrors).map(([line, times]) => `${num(times)} × "${line}"`).join(', ') || '0',
					`${num(step.answerMsMedian)} / ${num(step.answerMsMax)} ms`,
					`${seconds(step.drainMs)} (${num((step.succeeded * 1000) / step.drainMs, 1)})`,
					`${num(step.n8nCpuMsPerResume, 1)} ms`,
					step.clean ? 'yes' : '**no**',
					step.keepsUp ? 'yes' : '**no**',
				]),
			),
		);
		out.push('');
		out.push(
			(load.maxCleanRatePerSecond !== undefined
				? `Highest clean rate: **${num(load.maxCleanRatePerSecond)} callbacks/s**${
						load.rates.every((step) => step.clean) ? ' (the highest tried; the edge is above it)' : ''
					}`
				: 'No rate tried was clean') +
				`; highest rate that also keeps up: **${load.maxKeepUpRatePerSecond !== undefined ? `${num(load.maxKeepUpRatePerSecond)} callbacks/s` : 'none tried'}**` +
				` (bursts of ${num(load.secondsPerStep)} s; machine load during the run: see the top).`,
		);
		out.push('');
	}
	return out;
}
