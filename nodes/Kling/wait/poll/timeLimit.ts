import { NodeOperationError, type IExecuteFunctions, type INode } from 'n8n-workflow';

import { executionDeadline } from '../../../shared/compat';
import type { WaitSchedule } from './scheduler';

// n8n cuts an execution at its time limit (the workflow's Timeout Workflow, the instance's EXECUTIONS_TIMEOUT) with
// "This operation was aborted", and saves little of what the cut node knew. A wait that would outlast the limit ends
// a little before it instead, with the node's own timeout report: every task ID, and a Retry that picks them up.
// The settings below are mutable for tests only.

export const executionLimit = {
	/** How long before n8n's cut the wait ends: time for the report, and for n8n to save it. */
	endBeforeCutMs: 5_000,
	/** Less time than this left to wait: too little for a video, so Wait (Poll) submits nothing. */
	minTimeToPollMs: 10_000,
};

export interface BoundedSchedule {
	schedule: WaitSchedule;
	/** The instant n8n cuts the execution, when that, not the node's Timeout, bounds this wait. */
	cutAt?: number;
}

/** The wait's schedule from `now`, ending `executionLimit.endBeforeCutMs` before n8n's cut when that comes before the node's Timeout. */
export function withinExecutionLimit(schedule: WaitSchedule, cutAt: number | undefined, now: number): BoundedSchedule {
	if (cutAt === undefined) return { schedule };
	const left = Math.max(0, cutAt - executionLimit.endBeforeCutMs - now);
	if (left >= schedule.timeoutMs) return { schedule };
	return { schedule: { ...schedule, timeoutMs: left }, cutAt };
}

/** Wait (Poll) needs time before n8n's own limit for this execution: thrown before anything is paid for. */
export function checkTimeToPoll(context: IExecuteFunctions, node: INode, now: number): void {
	const cutAt = executionDeadline(context);
	if (cutAt === undefined) return;
	const left = cutAt - executionLimit.endBeforeCutMs - now;
	if (left >= executionLimit.minTimeToPollMs) return;
	throw new NodeOperationError(node, `n8n's time limit for this execution leaves ${Math.max(0, Math.round(left / 1000))} s: too little to wait for a video`, {
		description:
			"The workflow's Timeout Workflow setting (or the instance's EXECUTIONS_TIMEOUT) ends this execution before a video could be ready. Raise that limit, or set Wait for Result to Pause Until Callback or Don't Wait. Nothing was submitted.",
	});
}
