import type { IExecuteFunctions, INode, INodeExecutionData } from 'n8n-workflow';

import type { ApixoClient } from '../../shared/ApixoClient';
import type { Clock } from '../../shared/clock';
import { addHint } from '../../shared/compat';
import type { NodeOptions } from '../options';
import type { ItemOutcome, ItemResult } from '../outcomes';
import { pauseForCallbacks, waitRecords } from './callbackWait/pause';
import { callbackUnreachable } from './callbackWait/reachability';
import { prepareCallbackWait } from './callbackWait/settings';
import { pollTasks } from './poll/pollTasks';
import { checkTimeToPoll } from './poll/timeLimit';
import type { PendingTask } from '../task';

// The one owner of waiting for Generate Video: how the run waits is decided once per run, before the first
// submit, so a paid task never meets a pause that cannot work; the plan then says what a submit carries, how long
// its tasks stay this run's own, and finishes the submitted tasks (returns them, polls them, or pauses for them).

export type WaitMode = 'none' | 'poll' | 'callback';

/** What a plan finishes with: the run's tasks and what became of each item so far. */
export interface Submitted {
	itemCount: number;
	/** Items that failed before or at their submit. */
	failures: ItemOutcome[];
	/** Each task picked up or paid for, as its item's result so far. */
	paid: ItemResult[];
	tasks: PendingTask[];
	/** Hands outcomes to n8n as the node's output; from then on their tasks are delivered. */
	deliver(outcomes: ItemOutcome[]): INodeExecutionData[];
	/** The run paused: its tasks stay its own until the wait limit. */
	paused(): void;
}

/** How the run waits, decided once. */
export interface WaitPlan {
	readonly mode: WaitMode;
	/** Until when the tasks of a run that no longer runs are still its own (a pause: its wait limit). */
	readonly heldUntil?: number;
	/** The body APIXO gets: a callback wait adds the resume URL its tasks call back to. */
	bodyFor<T extends object>(body: T): T;
	/** Waits for the submitted tasks as decided, and returns the node's output. */
	finish(submitted: Submitted): Promise<INodeExecutionData[][]>;
}

/** What the plan needs of the run. */
export interface WaitRun {
	taskCount: number;
	reusedCount: number;
	options: NodeOptions;
	client: ApixoClient;
	node: INode;
	clock: Clock;
	signal?: AbortSignal;
}

/** Don't Wait, and a run with nothing to wait for: the task IDs are what it delivers. */
const returnTasks = async ({ failures, paid, deliver }: Submitted) => [deliver([...failures, ...paid])];

function dontWait(): WaitPlan {
	return { mode: 'none', bodyFor: (body) => body, finish: returnTasks };
}

function poll(context: IExecuteFunctions, run: WaitRun): WaitPlan {
	// Wait (Poll) needs time before n8n's own limit for this execution: checked before anything is paid for.
	checkTimeToPoll(context, run.node, run.clock.now());
	return {
		mode: 'poll',
		bodyFor: (body) => body,
		finish: async (submitted) => {
			if (submitted.tasks.length === 0) return await returnTasks(submitted);
			const { options, client, node, clock, signal } = run;
			const polled = await pollTasks(context, node, client, submitted.tasks, options.schedule, options.results, clock, signal);
			return [submitted.deliver([...submitted.failures, ...polled])];
		},
	};
}

function pause(context: IExecuteFunctions, run: WaitRun, resumeUrl: string): WaitPlan {
	prepareCallbackWait(context, run.options);
	// A paused run's tasks are its own until its wait limit: after it no callback resumes it (resume.ts), and n8n
	// resumes it with the tasks undelivered.
	const waitTill = run.clock.now() + run.options.schedule.timeoutMs;
	return {
		mode: 'callback',
		heldUntil: waitTill,
		bodyFor: <T extends object>(body: T): T => ({ ...body, request_type: 'callback', callback_url: resumeUrl }),
		finish: async (submitted) => {
			if (submitted.tasks.length === 0) return await returnTasks(submitted);
			const records = waitRecords(submitted.itemCount, submitted.failures, submitted.paid);
			const output = await pauseForCallbacks(context, records, new Date(waitTill), run.options.schedule.timeoutMs);
			submitted.paused();
			return output;
		},
	};
}

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
export function planWait(context: IExecuteFunctions, asked: WaitMode, run: WaitRun): WaitPlan {
	if (asked === 'none') return dontWait();
	if (asked === 'poll') return poll(context, run);
	// Nothing valid to submit: nothing to wait for.
	if (run.taskCount === 0) return dontWait();
	const resumeUrl = String(context.evaluateExpression('{{ $execution.resumeUrl }}', 0));
	const fallback =
		run.reusedCount > 0
			? `${run.reusedCount} of the tasks were picked up from an earlier run (reused: true); their callbacks go to that run, so the node polled instead of pausing.`
			: reasonToPoll(context, run.taskCount, run.options, resumeUrl, run.client.baseUrl);
	if (fallback === undefined) return pause(context, run, resumeUrl);
	addHint(context, fallback);
	return poll(context, run);
}
