import type { IBinaryData, IDataObject, INode, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { asNodeError } from '../shared/errors';
import type { TaskResult } from '../shared/taskResult';

/** What became of one input item: a result to output, or a failure that still carries the task's fields. */
export interface ItemResult {
	itemIndex: number;
	result: TaskResult | IDataObject;
	binary?: { [property: string]: IBinaryData };
}
export interface ItemFailure {
	itemIndex: number;
	error: string;
	description?: string;
	fields: IDataObject;
}
export type ItemOutcome = ItemResult | ItemFailure;

export function isFailure(outcome: ItemOutcome): outcome is ItemFailure {
	return 'error' in outcome;
}

function taskLine(outcome: ItemOutcome): string | undefined {
	const fields = isFailure(outcome) ? outcome.fields : outcome.result;
	if (typeof fields.taskId !== 'string') return undefined;
	const parts = [`item ${outcome.itemIndex}: ${fields.taskId} (${String(fields.state ?? 'unknown')}`];
	if (typeof fields.videoUrl === 'string') parts.push(`, ${fields.videoUrl}`);
	return `${parts.join('')})`;
}

/** Every task of the run, so that no paid task is lost when the node stops on an error. */
export function allTasksLine(outcomes: ItemOutcome[]): string {
	const lines = outcomes.map(taskLine).filter((line): line is string => line !== undefined);
	return lines.length ? `Tasks of this run: ${lines.join('; ')}.` : '';
}

/**
 * Turns outcomes into the node's output, in input order, each paired with its input item. Failures become
 * error items when the node continues on fail (n8n routes them to the error output when that is on);
 * otherwise the first failure stops the node, and its error lists every task of the run.
 */
export function toNodeOutput(node: INode, outcomes: ItemOutcome[], continueOnFail: boolean): INodeExecutionData[] {
	const sorted = [...outcomes].sort((a, b) => a.itemIndex - b.itemIndex);
	const failures = sorted.filter(isFailure);
	if (failures.length > 0 && !continueOnFail) {
		throw combinedError(node, failures, sorted);
	}
	return sorted.map((outcome) => {
		const pairedItem = { item: outcome.itemIndex };
		if (isFailure(outcome)) {
			// n8n moves an item to the error output only when its json holds nothing but error, message and
			// details (WorkflowExecute.handleNodeErrorOutput), so there the task's fields go under `details`.
			if (node.onError === 'continueErrorOutput') {
				return { json: { error: outcome.error, details: { ...outcome.fields, description: outcome.description } }, pairedItem };
			}
			return { json: { ...outcome.fields, error: outcome.error }, pairedItem };
		}
		return outcome.binary
			? { json: outcome.result, binary: outcome.binary, pairedItem }
			: { json: outcome.result, pairedItem };
	});
}

function combinedError(
	node: INode,
	failures: ItemFailure[],
	all: ItemOutcome[],
): NodeOperationError {
	const first = failures[0];
	const timedOut = failures.filter((failure) => failure.fields.timedOut === true);
	let message = first.error;
	if (timedOut.length > 1) {
		const ids = timedOut.map((failure) => `${String(failure.fields.taskId)} (${String(failure.fields.state)})`);
		message = `Timed out with ${timedOut.length} tasks still running: ${ids.join(', ')}`;
	} else if (failures.length > 1) {
		message = `${first.error} (and ${failures.length - 1} more failed ${failures.length === 2 ? 'item' : 'items'})`;
	}
	const description = [first.description, allTasksLine(all)].filter(Boolean).join('\n\n');
	return new NodeOperationError(node, message, { itemIndex: first.itemIndex, description });
}

/**
 * The execution was stopped from outside (Stop, n8n's time limit) while the node waited: every task is named, so
 * that what was paid for is in the execution's error wherever n8n keeps it.
 */
export function stoppedWhileWaiting(node: INode, tasks: Array<{ key: number; taskId: string; lastState: string }>): NodeOperationError {
	const lines = tasks.map((task) => `item ${task.key}: ${task.taskId} (${task.lastState})`);
	return new NodeOperationError(node, `The execution was stopped while the node waited for ${tasks.length === 1 ? 'task' : `${tasks.length} tasks`} ${tasks.map((task) => task.taskId).join(', ')}`.slice(0, 500), {
		description: `Tasks of this run: ${lines.join('; ')}. They were created (and are billed): retry the execution, or run it again, and the node picks them up without paying again; or follow them with Get Task Status.`,
	});
}

/** An error as a failed item: its message and description, no task fields (nothing was created). */
export function failureOf(itemIndex: number, error: unknown, fields: IDataObject = {}): ItemFailure {
	const { message, description } = error as { message?: string; description?: string | null };
	return { itemIndex, error: message ?? String(error), description: description ?? undefined, fields };
}

/**
 * Reads and checks every item before any request. A bad item stops the node (nothing was sent yet), or with
 * Continue On Fail becomes a failure while the others go on.
 */
export function checkEveryItem<T>(
	node: INode,
	itemCount: number,
	continueOnFail: boolean,
	read: (itemIndex: number) => T,
): { valid: T[]; failures: ItemFailure[] } {
	const valid: T[] = [];
	const failures: ItemFailure[] = [];
	for (let itemIndex = 0; itemIndex < itemCount; itemIndex++) {
		try {
			valid.push(read(itemIndex));
		} catch (error) {
			if (!continueOnFail) throw asNodeError(node, error);
			failures.push(failureOf(itemIndex, error));
		}
	}
	return { valid, failures };
}
