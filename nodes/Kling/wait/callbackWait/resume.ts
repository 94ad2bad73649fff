import type { INodeExecutionData, IWebhookDescription, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { BoundedCache } from '../../../shared/boundedCache';
import { systemClock, type Clock } from '../../../shared/clock';
import { toTaskResult, type TaskStatus } from '../../../shared/taskResult';
import { readCallback } from '../../../shared/callback';
import { answer } from '../../../shared/webhook';
import { outcomesOfEndedTasks } from '../../endedTasks';
import { toNodeOutput, type ItemOutcome } from '../../outcomes';
import { TaskLedger } from '../../reuse/taskLedger';
import { deliveredTasks } from '../../reuse/taskReuse';
import { waitLimitOf, type WaitRecord } from './pause';
import { decide, isNewer } from './decide';
import type { CallbackDecision, TaskFact } from './resumeDecision';
import { readSettings, type CallbackWaitOptions, type StoredSettings } from './settings';
import { sharedTaskFacts } from './taskFacts';

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

/**
 * The records saved by `pauseForCallbacks` (pause.ts): the node's pending input. n8n-core's webhook context holds it as
 * its connection input (1.x and 2.x alike) without a public getter; the expression `$input.all()` is the
 * public way, and the fallback, but costs far more per callback with many items.
 */
function readRecords(context: IWebhookFunctions): WaitRecord[] {
	const held = (context as unknown as { connectionInputData?: unknown }).connectionInputData;
	if (Array.isArray(held) && held.length > 0) return held.map((item) => (item as INodeExecutionData).json as WaitRecord);
	const raw = context.evaluateExpression('{{ JSON.stringify($input.all().map((item) => item.json)) }}', 0);
	const records = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw;
	return Array.isArray(records) ? (records as WaitRecord[]) : [];
}

/**
 * Executions this process is resuming, and has handed to n8n in the last `RESUMING_MS`: a redelivery racing the
 * resume must not resume again. Once n8n has started the resume it refuses later callbacks itself (the execution is
 * no longer waiting); if n8n failed to start it, a redelivery that comes later may try again rather than be deferred
 * until APIXO gives up.
 */
const RESUMING_MS = 60_000;
const resumingHere = new Set<string>();
const resumedHere = new BoundedCache<string, true>({ maxEntries: 10_000, ttlMs: RESUMING_MS });
function markResuming(key: string): boolean {
	if (resumingHere.has(key) || resumedHere.has(key)) return false;
	resumingHere.add(key);
	return true;
}
function markHandedOver(key: string): void {
	resumingHere.delete(key);
	resumedHere.set(key, true);
}

/**
 * The latest a resuming callback is answered, from its arrival: within APIXO's 30 s, with room for n8n's own work
 * before it answers. Normally n8n answers sooner, once the outputs (downloads included) are gathered.
 */
const ANSWER_BY_MS = 20_000;

/** Not 200: APIXO delivers this callback again later, and that delivery decides again. The execution keeps waiting. */
function deferCallback(context: IWebhookFunctions, reason: string): IWebhookResponseData {
	answer(context, 503, { received: true, resumed: false, deliverAgain: reason });
	return { noWebhookResponse: true };
}

/**
 * Handles one callback of a paused execution: decides from reads of the API (resumeDecision.ts) whether to
 * refuse, acknowledge, defer or resume, answers APIXO at once, and only then, when resuming, gathers the results
 * (downloads included) that become the node's output.
 */
export async function resumeOnCallback(
	context: IWebhookFunctions,
	optionsFromParameters: () => CallbackWaitOptions,
	clock: Clock = systemClock,
): Promise<IWebhookResponseData> {
	const arrivedAt = clock.now();
	const records = readRecords(context);
	const taskIds = records.map((record) => (typeof record.taskId === 'string' ? record.taskId : undefined));
	// Task IDs are APIXO's, unique per account; the credential keeps two accounts' reads apart.
	const scope = context.getNode().credentials?.apixoApi?.id ?? context.getNode().name;
	const facts = new Map<number, TaskFact>();
	const statuses = new Map<number, TaskStatus>();
	const errors = new Map<number, unknown>();
	/** Takes in what the callbacks this process serves have read since: ended tasks, later sightings of running ones. */
	const takeInKnown = () => {
		for (const [itemIndex, taskId] of taskIds.entries()) {
			const known = taskId === undefined ? undefined : sharedTaskFacts.known(`${scope}|${taskId}`);
			const mine = facts.get(itemIndex);
			if (!known || (mine !== undefined && !isNewer(known.fact, mine))) continue;
			facts.set(itemIndex, known.fact);
			if (known.status) statuses.set(itemIndex, known.status);
		}
	};
	const callbackTaskId = readCallback(context)?.taskId;
	const waitLimit = waitLimitOf(records);
	if (waitLimit !== undefined && clock.now() >= waitLimit) {
		// The wait is over: n8n resumes the execution with its tasks undelivered, and from now on another run of
		// the same request may pick them up. Resuming here as well would deliver a video twice.
		answer(context, 200, { received: true, resumed: false, reason: 'the wait limit has passed' });
		return { noWebhookResponse: true };
	}
	const own = typeof callbackTaskId === 'string' ? taskIds.indexOf(callbackTaskId) : -1;

	let settings: StoredSettings;
	let decision: CallbackDecision;
	try {
		settings = readSettings(context, optionsFromParameters);
		decision = await decide(context, { taskIds, own, callbackTaskId, arrivedAt, scope, settings, facts, statuses, errors, takeInKnown }, clock);
	} catch (error) {
		// Whatever fails while deciding (n8n's credential read, the stored options, an options expression) passes
		// or is fixed: the callback is deferred, APIXO delivers it again, and only the wait limit ends the wait.
		context.logger?.warn(`Kling: a callback of task ${String(callbackTaskId)} could not be decided yet (${(error as Error)?.message ?? String(error)}); APIXO delivers it again`);
		return deferCallback(context, 'the callback could not be decided yet');
	}

	switch (decision.action) {
		case 'refuse':
			answer(context, decision.status, { error: decision.reason });
			return { noWebhookResponse: true };
		case 'acknowledge':
			answer(context, 200, { received: true, resumed: false });
			return { noWebhookResponse: true };
		case 'defer':
			return deferCallback(context, decision.reason);
	}
	const execution = `${scope}|${taskIds.find(Boolean)}|${taskIds.length}`;
	if (!markResuming(execution)) return deferCallback(context, 'the execution is being resumed');
	// The 200 is the last record APIXO keeps of this callback: it is sent by n8n once it has started the resume
	// (n8n 2.x answers an 'onReceived' webhook after WorkflowRunner.run; 1.x right before it), so a process that
	// dies before then leaves a callback APIXO delivers again. Only downloads that outlast ANSWER_BY_MS get the
	// answer earlier, from the node.
	const resumed = { received: true, resumed: true };
	const gathered = new AbortController();
	let answeredEarly = false;
	void clock.sleep(Math.max(0, ANSWER_BY_MS - (clock.now() - arrivedAt)), gathered.signal).then(
		() => {
			answeredEarly = true;
			answer(context, 200, resumed);
		},
		() => undefined,
	);
	try {
		const items = await resumedOutput(context, records, statuses, errors, settings);
		markHandedOver(execution);
		return answeredEarly ? { noWebhookResponse: true, workflowData: [items] } : { webhookResponse: resumed, workflowData: [items] };
	} catch (error) {
		// Nothing was handed to n8n: the execution keeps waiting, and a redelivery tries again (if this callback was
		// answered already, the wait limit ends the wait, and its tasks are picked up by the next run).
		resumingHere.delete(execution);
		context.logger?.warn(`Kling: the results of a resuming callback could not be gathered yet (${(error as Error)?.message ?? String(error)})`);
		return answeredEarly ? { noWebhookResponse: true } : deferCallback(context, 'the results could not be gathered yet');
	} finally {
		gathered.abort();
	}
}

/** The node's output on resume: every item's outcome, downloads included. */
async function resumedOutput(
	context: IWebhookFunctions,
	records: WaitRecord[],
	statuses: ReadonlyMap<number, TaskStatus>,
	errors: ReadonlyMap<number, unknown>,
	settings: ReturnType<typeof readSettings>,
): Promise<INodeExecutionData[]> {
	const node = context.getNode();
	const ended = [...statuses].map(([itemIndex, status]) => ({ itemIndex, status, request: records[itemIndex] }));
	const outcomes: ItemOutcome[] = await outcomesOfEndedTasks(context, node, ended, {
		downloadVideo: settings.download,
		binaryPropertyName: settings.binaryPropertyName,
		downloadConcurrency: Math.min(settings.concurrency, 4),
	});
	for (const [itemIndex, record] of records.entries()) {
		if (record.taskId === undefined) {
			outcomes.push({ itemIndex, error: record.error ?? 'This item was not submitted', fields: {} });
		} else if (!statuses.has(itemIndex)) {
			const { message } = (errors.get(itemIndex) ?? {}) as { message?: string };
			outcomes.push({
				itemIndex,
				error: message ?? `APIXO does not know task ${record.taskId}`,
				fields: toTaskResult({ taskId: record.taskId, state: record.state ?? 'pending' }, record),
			});
		}
	}
	// n8n resumes a paused node by handing on what webhook() returns; an error thrown here would not fail the
	// node but run the rest of the workflow on an empty item. So a failed task is always an error item: on the
	// error output when that is on, otherwise on the main output with state "failed" and an `error` field.
	// n8n passes these on as the node's output and, with the error output on, moves the error items there.
	const output = toNodeOutput(node, outcomes, true);
	// Delivered: a later run with the same request makes a new video rather than picking these up.
	TaskLedger.deliveredHere(context, deliveredTasks(outcomes));
	return output;
}
