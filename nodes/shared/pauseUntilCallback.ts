import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	IWebhookDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';

import type { ResultSettings } from './awaitTasks';
import { outcomesOfEndedTasks } from './awaitTasks';
import { createClient } from './context';
import type { ItemOutcome } from './outcomes';
import { toNodeOutput } from './outcomes';
import type { TaskStatus } from './taskResult';
import { isEnded } from './taskResult';

/**
 * The resume webhook of a paused execution (n8n's "send and wait" pattern: restartWebhook webhooks only serve
 * waiting executions). APIXO posts every task's callback to the same `$execution.resumeUrl`.
 */
export const resumeWebhook: IWebhookDescription = {
	name: 'default',
	httpMethod: 'POST',
	path: '',
	restartWebhook: true,
	responseMode: 'onReceived',
	responseData: '',
};

const SETTINGS_KEY = 'klingCallbackWait';

/**
 * How long the callback of the task that ended last has to resume the execution before any other callback
 * (APIXO's retries included) takes over. APIXO retries an unanswered callback after 5, 15 and 45 s.
 */
const RESUMER_GRACE_MS = 90_000;

/** One per input item, in input order: a submitted task, or the error that kept the item from being submitted. */
export interface WaitRecord extends IDataObject {
	taskId?: string;
	state?: string;
	error?: string;
}

interface StoredSettings {
	download: boolean;
	binaryPropertyName: string;
	requestsPerMinute: number;
	concurrency: number;
}

/**
 * Puts the execution to wait until APIXO's callbacks say every task has ended. Nothing survives in memory from
 * here to `webhook()` (in queue mode they run in different processes), and n8n drops this node's own output
 * before resuming, so the per-item task records are saved as this node's pending input, which n8n stores with
 * the waiting execution and hands to `webhook()`. If the wait limit passes first, n8n resumes with that input
 * unchanged: each record is written to read as what it then is, a task whose end was not seen.
 */
export async function pauseForCallbacks(
	context: IExecuteFunctions,
	records: WaitRecord[],
	settings: { results: ResultSettings; requestsPerMinute: number; concurrency: number },
	timeoutMs: number,
): Promise<INodeExecutionData[][]> {
	const stored: StoredSettings = {
		download: settings.results.downloadVideo,
		binaryPropertyName: settings.results.binaryPropertyName.slice(0, 200),
		requestsPerMinute: settings.requestsPerMinute,
		concurrency: settings.concurrency,
	};
	context.customData.set(SETTINGS_KEY, JSON.stringify(stored));
	const waitMinutes = Math.round((timeoutMs / 60_000) * 100) / 100;
	const items: INodeExecutionData[] = records.map((record, itemIndex) => ({
		json:
			record.taskId === undefined
				? record
				: {
						...record,
						waitExpired: true,
						error: `The wait limit (${waitMinutes} min) passed before APIXO reported the end of task ${record.taskId}; its last known state is "${record.state ?? 'pending'}". It may still finish: check it with Get Task Status.`,
					},
		pairedItem: { item: itemIndex },
	}));
	// The stack entry's input array belongs to this entry alone: replacing it leaves the previous node's output untouched.
	context.getExecuteData().data.main[0] = items;
	await context.putExecutionToWait(new Date(Date.now() + timeoutMs));
	// A copy: n8n empties the returned arrays in place when it sorts items onto the error output.
	return [[...items]];
}

function readSettings(context: IWebhookFunctions): StoredSettings {
	const raw = context.customData.get(SETTINGS_KEY);
	const parsed = (raw ? JSON.parse(raw) : {}) as Partial<StoredSettings>;
	return {
		download: parsed.download === true,
		binaryPropertyName: parsed.binaryPropertyName || 'data',
		requestsPerMinute: parsed.requestsPerMinute ?? 10_000,
		concurrency: parsed.concurrency ?? 10,
	};
}

/**
 * The records saved by `pauseForCallbacks`: the node's pending input, which the webhook context only exposes
 * to expressions. Serialised as JSON so the expression engine hands back plain data.
 */
function readRecords(context: IWebhookFunctions): WaitRecord[] {
	const raw = context.evaluateExpression('{{ JSON.stringify($input.all().map((item) => item.json)) }}', 0);
	const records = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw;
	return Array.isArray(records) ? (records as WaitRecord[]) : [];
}

function respond(context: IWebhookFunctions, status: number, body: IDataObject): IWebhookResponseData {
	context.getResponseObject().status(status).json(body);
	return { noWebhookResponse: true };
}

/**
 * Handles one callback of a paused execution. Callbacks are unsigned and retried, so: a task that is not this
 * execution's is refused without resuming; nothing is counted (a repeated callback changes nothing); and whether
 * every task has ended, and every result output, is read from the API, never taken from a callback body.
 */
export async function resumeOnCallback(context: IWebhookFunctions): Promise<IWebhookResponseData> {
	const body = context.getBodyData() as { data?: { taskId?: unknown } };
	const taskId = body?.data?.taskId;
	if (typeof taskId !== 'string' || taskId === '') {
		return respond(context, 400, { error: 'Expected an APIXO callback with data.taskId' });
	}
	const records = readRecords(context);
	const callbackIndex = records.findIndex((record) => record.taskId === taskId);
	if (callbackIndex === -1) {
		return respond(context, 404, { error: 'This task is not one this execution is waiting for' });
	}

	const settings = readSettings(context);
	const client = await createClient(context, { requestsPerMinute: settings.requestsPerMinute });
	// Whether every task has ended is read from the API: the other tasks from the last submitted back (the
	// likeliest to be still running), one at a time at first and in growing groups once they turn out ended,
	// and the callback's own task last. Only the callback of the task that ended last resumes (see
	// RESUMER_GRACE_MS): when many tasks end at once, the other callbacks stop at the first task that ended after
	// theirs instead of all reading back every result. The callback's own completeTime only decides when to
	// stop looking; a forged one can cost reads, never change what is output.
	const order: number[] = [];
	for (let index = records.length - 1; index >= 0; index--) {
		if (index !== callbackIndex && records[index].taskId !== undefined) order.push(index);
	}
	order.push(callbackIndex);
	const claimedCompleteTime = Number((body.data as { completeTime?: unknown }).completeTime) || 0;
	const statuses = new Map<number, TaskStatus>();
	const failedReads: ItemOutcome[] = [];
	const completeTimeOf = (index: number): number =>
		statuses.get(index)?.completeTime ?? (index === callbackIndex ? claimedCompleteTime : 0);
	const endedAfter = (index: number, other: number): boolean => {
		const [a, b] = [completeTimeOf(index), completeTimeOf(other)];
		return a > b || (a === b && index > other);
	};
	for (let start = 0, size = 1; start < order.length; start += size, size = Math.min(size * 2, settings.concurrency)) {
		const chunk = order.slice(start, start + size);
		const reads = await Promise.allSettled(
			chunk.map(async (index) => await client.getStatus(records[index].taskId as string, index)),
		);
		for (const [position, read] of reads.entries()) {
			const index = chunk[position];
			if (read.status === 'fulfilled') {
				statuses.set(index, read.value);
				continue;
			}
			const error = read.reason as { httpCode?: string | null; message?: string };
			if (error.httpCode === '404') {
				failedReads.push({
					itemIndex: index,
					error: error.message ?? `APIXO does not know task ${String(records[index].taskId)}`,
					fields: { taskId: records[index].taskId, state: records[index].state },
				});
				continue;
			}
			// A passing failure: answer non-200 so APIXO delivers the callback again later.
			return respond(context, 503, { error: 'Could not confirm the task with APIXO yet; deliver again later' });
		}
		const stillRunning = chunk.some((index) => statuses.has(index) && !isEnded(statuses.get(index)?.state));
		if (stillRunning) return respond(context, 200, { received: true, resumed: false });
		const now = Date.now();
		const resumer = chunk.find(
			(index) =>
				index !== callbackIndex &&
				statuses.has(index) &&
				endedAfter(index, callbackIndex) &&
				now - completeTimeOf(index) < RESUMER_GRACE_MS,
		);
		if (resumer !== undefined) return respond(context, 200, { received: true, resumed: false });
	}

	const node = context.getNode();
	const ended = [...statuses].map(([itemIndex, status]) => ({ itemIndex, status }));
	const outcomes = await outcomesOfEndedTasks(context, node, ended, {
		downloadVideo: settings.download,
		binaryPropertyName: settings.binaryPropertyName,
		downloadConcurrency: Math.min(settings.concurrency, 4),
	});
	outcomes.push(...failedReads);
	for (const [itemIndex, record] of records.entries()) {
		if (record.taskId === undefined) {
			outcomes.push({ itemIndex, error: record.error ?? 'This item was not submitted', fields: {} });
		}
	}
	// n8n resumes a paused node by handing on what webhook() returns; an error thrown here would not fail the
	// node but run the rest of the workflow on an empty item. So a failed task is always an error item: on the
	// error output when that is on, otherwise on the main output with state "failed" and an `error` field.
	const items = toNodeOutput(node, outcomes, true);
	context.getResponseObject().status(200).json({ received: true, resumed: true });
	// n8n passes these on as the node's output and, with the error output on, moves the error items there.
	return { noWebhookResponse: true, workflowData: [items] };
}
