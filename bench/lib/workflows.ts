/** The main bench's workflows (bench/workflows/) at a timing: as they are, or copies with the timing's waits. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TIMINGS, type Timing } from '../settings';

/**
 * The workflows of bench/workflows at this timing: as they are for the compressed timing (Initial Delay 3 s, Poll
 * Interval 0.5 s, the stock loop's Wait 3 s and Wait 0.5 s); otherwise copies, in a temporary folder removed once
 * n8n has imported them, whose Kling nodes wait the timing's Initial Delay and Poll Interval and whose stock loop
 * waits the same.
 */
export function timedWorkflows(dir: string, timing: Timing): { dir: string; remove: () => void } {
	const compressed = TIMINGS.compressed;
	if (timing.initialDelayS === compressed.initialDelayS && timing.pollIntervalS === compressed.pollIntervalS) return { dir, remove: () => undefined };
	const copies = mkdtempSync(join(tmpdir(), 'bench-workflows-'));
	for (const file of readdirSync(dir).filter((each) => each.endsWith('.json'))) {
		const workflow = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
			nodes: Array<{ name: string; type: string; parameters: { options?: Record<string, unknown>; amount?: number } }>;
		};
		for (const node of workflow.nodes) {
			const options = node.parameters.options;
			if (node.type.endsWith('.kling') && options) {
				if (options.initialDelay === compressed.initialDelayS) options.initialDelay = timing.initialDelayS;
				if (options.pollInterval === compressed.pollIntervalS) options.pollInterval = timing.pollIntervalS;
			}
			// The stock loop's two Waits (the node names stay: connections refer to them).
			if (node.type === 'n8n-nodes-base.wait' && node.parameters.amount === compressed.initialDelayS) node.parameters.amount = timing.initialDelayS;
			else if (node.type === 'n8n-nodes-base.wait' && node.parameters.amount === compressed.pollIntervalS) node.parameters.amount = timing.pollIntervalS;
		}
		writeFileSync(join(copies, file), `${JSON.stringify(workflow, null, 2)}\n`);
	}
	return { dir: copies, remove: () => rmSync(copies, { recursive: true, force: true }) };
}
