import type { IExecuteFunctions, IWebhookFunctions, INode } from 'n8n-workflow';

import type { ApixoClient } from '../../../shared/ApixoClient';
import type { Clock } from '../../../shared/clock';
import { addHint, executionDeadline } from '../../../shared/compat';
import { asNodeError } from '../../../shared/errors';
import { isTransientRead } from '../../../shared/failures';
import { toTaskResult } from '../../../shared/taskResult';
import { outcomesOfEndedTasks, type ResultSettings } from '../../endedTasks';
import { stoppedWhileWaiting, type ItemOutcome } from '../../outcomes';
import type { PendingTask } from '../../task';
import { waitForTasks, type WaitOutcome, type WaitSchedule } from './scheduler';
import { executionLimit, withinExecutionLimit } from './timeLimit';

function minutes(ms: number): string {
	const value = ms / 60_000;
	return value >= 1 ? `${Number(value.toFixed(1))} min` : `${Math.round(ms / 1000)} s`;
}

/**
 * Polls every task until it ends, the timeout passes, or n8n's own time limit is near (timeLimit.ts); a timed-out
 * task is a failure that names its task ID. Stopped from outside, it throws an error that names every task.
 */
export async function pollTasks(
	context: IExecuteFunctions | IWebhookFunctions,
	node: INode,
	client: ApixoClient,
	tasks: PendingTask[],
	schedule: WaitSchedule,
	settings: ResultSettings,
	clock: Clock,
	signal?: AbortSignal,
): Promise<ItemOutcome[]> {
	const bounded = withinExecutionLimit(schedule, executionDeadline(context), clock.now());
	let outcome: WaitOutcome;
	let outcomes: ItemOutcome[];
	try {
		outcome = await waitForTasks(
			tasks,
			bounded.schedule,
			async (task, readSignal) => await client.getStatus(task.taskId, task.key, readSignal),
			clock,
			signal,
			isTransientRead,
		);
		const requestOf = new Map(tasks.map((task) => [task.key, task.request]));
		const ended = [...outcome.ended].map(([itemIndex, status]) => ({ itemIndex, status, request: requestOf.get(itemIndex) }));
		outcomes = await outcomesOfEndedTasks(context, node, ended, settings, signal);
	} catch (error) {
		throw signal?.aborted ? stoppedWhileWaiting(node, tasks) : asNodeError(node, error);
	}
	for (const { task, error } of outcome.failedReads.values()) {
		const { message, description } = error as { message?: string; description?: string };
		outcomes.push({
			itemIndex: task.key,
			error: `Could not read the status of task ${task.taskId}: ${message ?? 'unknown error'}`,
			description: description ?? 'The task may still finish: check it later with Get Task Status.',
			fields: toTaskResult({ taskId: task.taskId, state: task.lastState }, task.request),
		});
	}
	if (bounded.cutAt !== undefined && outcome.timedOut.length > 0 && 'addExecutionHints' in context) {
		addHint(
			context,
			`n8n's time limit for this execution (the workflow's Timeout Workflow setting, or EXECUTIONS_TIMEOUT) came before the node's Timeout: the node stopped waiting ${Math.round(executionLimit.endBeforeCutMs / 1000)} s before it and reported ${outcome.timedOut.length === 1 ? 'the task still running' : `the ${outcome.timedOut.length} tasks still running`}.`,
		);
	}
	for (const task of outcome.timedOut) {
		outcomes.push({
			itemIndex: task.key,
			error:
				bounded.cutAt === undefined
					? `Timed out after ${minutes(schedule.timeoutMs)} waiting for task ${task.taskId} (last state: ${task.lastState})`
					: `Stopped waiting for task ${task.taskId} (last state: ${task.lastState}) ${Math.round(executionLimit.endBeforeCutMs / 1000)} s before n8n's time limit for this execution`,
			description:
				bounded.cutAt === undefined
					? 'The task is still running at APIXO and may finish later. Pick it up with Get Task Status and this task ID, or raise the Timeout option.'
					: `n8n ends this execution at ${new Date(bounded.cutAt).toISOString()} (the workflow's Timeout Workflow setting, or the instance's EXECUTIONS_TIMEOUT), before the node's Timeout. The task is still running at APIXO: retry the execution, or run it again, and the node picks it up without paying again. To wait longer, raise that limit, or use Wait for Result: Pause Until Callback, or Don't Wait with the Kling Trigger.`,
			fields: { ...toTaskResult({ taskId: task.taskId, state: task.lastState }, task.request), timedOut: true },
		});
	}
	return outcomes;
}
