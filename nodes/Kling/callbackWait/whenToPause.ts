import type { IExecuteFunctions } from 'n8n-workflow';

import { addHint } from '../../shared/compat';
import type { NodeOptions } from '../options';
import { callbackUnreachable } from './reachability';

// When Generate Video pauses until the callback, and when it polls instead: decided once per run, before the
// first submit, so a paid task never meets a pause that cannot work.

export type WaitMode = 'none' | 'poll' | 'callback';

/** How the run waits, decided once: a callback wait carries the resume URL its tasks call back to. */
export type WaitPlan = { mode: 'none' } | { mode: 'poll' } | { mode: 'callback'; resumeUrl: string };

/**
 * A callback that reaches the execution before it pauses is refused by n8n (409), and APIXO retries for about
 * a minute after a task ends, which is 30 s or more after its submit. Submitting must end well within that.
 */
const MAX_SUBMIT_WINDOW_MS = 60_000;

/**
 * The most items one paused execution waits for. Every callback costs n8n about 0.1 s of CPU before the node
 * decides anything (it loads the whole waiting execution). Measured on 2 cores with callbacks as APIXO sends them
 * (tasks of 30–45 s, bench/results/batch-real-*.md): 200 items resumed cleanly, in one process and in queue mode
 * (2 requests and 1.01 deliveries per video, within 1 % of polling's wall-clock); with time ten times denser
 * (batch-spread-single.md), 200 still resumed cleanly but n8n fell behind the callbacks (2.2 × polling's
 * wall-clock), 100 at 1.5 ×. Half of what held at APIXO's pace, so that batches ending closer together than APIXO's
 * usual spread still hold. Above this size the node polls instead.
 */
export const MAX_CALLBACK_ITEMS = 100;

/** The Wait for Result the node is set to; inside an AI Agent a pause cannot work, so it polls (with a hint). */
export function askedWaitMode(context: IExecuteFunctions, asTool: boolean): WaitMode {
	const asked = context.getNodeParameter('waitMode', 0, 'poll') as WaitMode;
	if (!asTool || asked !== 'callback') return asked;
	// A tool call must answer within the agent's run: pausing the execution cannot work there.
	addHint(context, 'Inside an AI Agent the node cannot pause the execution, so it waited by polling (bounded by the Timeout option).');
	return 'poll';
}

/** Why this batch is polled rather than paused (checked before anything is submitted), or undefined to pause. */
function reasonToPoll(
	context: IExecuteFunctions,
	taskCount: number,
	options: NodeOptions,
	resumeUrl: string,
	apiBaseUrl: string,
): string | undefined {
	if (!/^https?:\/\/[^/]/i.test(resumeUrl)) {
		return `This n8n gave no resume URL for the execution ("${resumeUrl.slice(0, 100)}"), so the node polled instead of pausing.`;
	}
	if (callbackUnreachable(resumeUrl, apiBaseUrl)) {
		return "APIXO cannot reach this n8n's resume URL (a localhost or private address), so the node polled instead of pausing. Set WEBHOOK_URL to n8n's public address to pause until the callback.";
	}
	if (taskCount > MAX_CALLBACK_ITEMS) {
		return `${taskCount} items are more than one paused execution waits for (${MAX_CALLBACK_ITEMS}): their callbacks would arrive faster than n8n resumes reliably, so the node polled instead of pausing. Split the batch (e.g. Loop Over Items) to pause until the callback.`;
	}
	if (taskCount * (60_000 / options.requestsPerMinute) > MAX_SUBMIT_WINDOW_MS) {
		return `Submitting ${taskCount} tasks at ${options.requestsPerMinute} requests per minute takes longer than APIXO keeps retrying the callbacks of the first ones (n8n refuses them until the execution pauses), so the node polled instead of pausing. Split the batch or raise Requests per Minute to pause until the callback.`;
	}
	if (typeof context.putExecutionToWait !== 'function') {
		return 'This n8n cannot pause an execution from a node, so the node polled instead.';
	}
	return undefined;
}

/**
 * The wait of this run. A callback wait needs tasks of this run alone (a reused task calls back to the run that
 * submitted it), a resume URL APIXO can reach, a batch small enough, and an n8n that can pause; otherwise the
 * run polls, and a hint says why.
 */
export function planWait(
	context: IExecuteFunctions,
	asked: WaitMode,
	batch: { taskCount: number; reusedCount: number; options: NodeOptions; apiBaseUrl: string },
): WaitPlan {
	if (asked !== 'callback') return { mode: asked };
	// Nothing valid to submit: nothing to wait for.
	if (batch.taskCount === 0) return { mode: 'none' };
	const resumeUrl = String(context.evaluateExpression('{{ $execution.resumeUrl }}', 0));
	const fallback =
		batch.reusedCount > 0
			? `${batch.reusedCount} of the tasks were picked up from an earlier run (reused: true); their callbacks go to that run, so the node polled instead of pausing.`
			: reasonToPoll(context, batch.taskCount, batch.options, resumeUrl, batch.apiBaseUrl);
	if (fallback === undefined) return { mode: 'callback', resumeUrl };
	addHint(context, fallback);
	return { mode: 'poll' };
}
