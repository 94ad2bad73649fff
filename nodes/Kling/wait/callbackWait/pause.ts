import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { isFailure, type ItemOutcome, type ItemResult } from '../../outcomes';

/** One per input item, in input order: a submitted task, or the error that kept the item from being submitted. */
export interface WaitRecord extends IDataObject {
	taskId?: string;
	state?: string;
	error?: string;
	/** The wait limit (ISO time), on the records of submitted items. */
	waitingUntil?: string;
}

/**
 * The records to wait with, one per input item: the task of each submitted item (its result so far), the error
 * of each item that was not submitted.
 */
export function waitRecords(itemCount: number, failures: ItemOutcome[], submitted: ItemResult[]): WaitRecord[] {
	const records: WaitRecord[] = Array.from({ length: itemCount }, () => ({}));
	for (const outcome of failures) {
		if (isFailure(outcome)) records[outcome.itemIndex] = { error: outcome.error };
	}
	for (const outcome of submitted) records[outcome.itemIndex] = outcome.result;
	return records;
}

/**
 * Puts the execution to wait until APIXO's callbacks say every task has ended. Nothing survives in memory from
 * here to `webhook()` (in queue mode they run in different processes), and n8n drops this node's own output
 * before resuming, so the per-item task records are saved as this node's pending input, which n8n stores with
 * the waiting execution and hands to `webhook()`. If the wait limit passes first, n8n resumes with that input
 * unchanged: each record says so, and what was last known of its task. What the node shows while it waits is
 * its returned output, which says only what is true then. `waitTill` is decided before the first submit: until
 * then the tasks are this execution's alone (reuse/taskLedger.ts), and after it no callback resumes it.
 */
export async function pauseForCallbacks(
	context: IExecuteFunctions,
	records: WaitRecord[],
	waitTill: Date,
	timeoutMs: number,
): Promise<INodeExecutionData[][]> {
	const waitMinutes = Math.round((timeoutMs / 60_000) * 100) / 100;
	const waitingUntil = waitTill.toISOString();
	const onExpiry: INodeExecutionData[] = records.map((record, itemIndex) => ({
		json:
			record.taskId === undefined
				? record
				: {
						...record,
						waitingUntil,
						waitExpired: true,
						error: `The wait limit (${waitMinutes} min) passed before APIXO's callbacks reported the end of every task; task ${record.taskId} was last known as "${record.state ?? 'pending'}" (as submitted: its state is read only when callbacks arrive). It may still finish: run the workflow again (or retry the execution) and the node picks the task up without paying again, or check it with Get Task Status.`,
					},
		pairedItem: { item: itemIndex },
	}));
	// The stack entry's input array belongs to this entry alone: replacing it leaves the previous node's output untouched.
	context.getExecuteData().data.main[0] = onExpiry;
	await context.putExecutionToWait(waitTill);
	const whileWaiting = records.map((record, itemIndex) => ({
		json: record.taskId === undefined ? record : { ...record, waitingUntil },
		pairedItem: { item: itemIndex },
	}));
	return [whileWaiting];
}

/** The wait limit a paused execution's records carry (none from a version that did not keep it). */
export function waitLimitOf(records: WaitRecord[]): number | undefined {
	const limit = records.find((record) => typeof record.waitingUntil === 'string')?.waitingUntil;
	const time = typeof limit === 'string' ? Date.parse(limit) : Number.NaN;
	return Number.isFinite(time) ? time : undefined;
}
