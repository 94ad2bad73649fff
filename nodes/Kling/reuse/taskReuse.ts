import type { IDataObject, IExecuteFunctions, INode } from 'n8n-workflow';

import type { ApixoClient } from '../../shared/ApixoClient';
import type { Clock } from '../../shared/clock';
import { asNodeError } from '../../shared/errors';
import { isTransientRead, isUnknownTask } from '../../shared/failures';
import type { TaskRequestFields, TaskStatus } from '../../shared/taskResult';
import { mapConcurrent } from '../concurrency';
import type { NodeOptions } from '../options';
import { isFailure, type ItemOutcome } from '../outcomes';
import type { PendingTask } from '../poll/scheduler';
import { fingerprints, TaskLedger } from './taskLedger';

// Generate Video's policy for tasks it paid for and did not deliver: picked up by a later run with the very same
// request instead of paid for again. See the README's "Retries never pay twice".

/** What reuse needs of an item's request: the body APIXO gets (its fingerprint) and the fields the output shows. */
export interface ReusableRequest {
	itemIndex: number;
	body: IDataObject;
	request: TaskRequestFields;
}

/** A task picked up from an earlier run, with its status if it could be read. */
export interface ReusedTask {
	task: PendingTask;
	status?: TaskStatus;
}

/**
 * Reuse in three calls: `pickUp` before submitting, `recordSubmitted` for each task paid for, `settle` with the
 * run's outcomes. With Reuse Undelivered Tasks off, nothing is picked up, recorded or settled.
 */
export class TaskReuse {
	/** Item index → its request's fingerprint, for this run's valid items. */
	private readonly fingerprintOf = new Map<number, string>();

	private constructor(
		private readonly node: INode,
		private readonly client: ApixoClient,
		private readonly ledger: TaskLedger | undefined,
		private readonly options: NodeOptions,
		private readonly clock: Clock,
		private readonly continueOnFail: boolean,
	) {}

	static open(context: IExecuteFunctions, client: ApixoClient, options: NodeOptions, clock: Clock, continueOnFail: boolean): TaskReuse {
		const ledger = options.reuseWindowMs > 0 ? TaskLedger.open(context, options.reuseWindowMs, clock.now) : undefined;
		return new TaskReuse(context.getNode(), client, ledger, options, clock, continueOnFail);
	}

	/**
	 * Reads each task the ledger holds for these requests: a failed task, or one APIXO no longer knows, is
	 * forgotten and its item submitted again; any other is picked up (a read failing for a transient reason counts
	 * as still running: the wait reads it again). The rest are to submit.
	 */
	async pickUp<T extends ReusableRequest>(requests: T[]): Promise<{ reused: ReusedTask[]; toSubmit: T[] }> {
		const { ledger } = this;
		if (!ledger) return { reused: [], toSubmit: requests };
		const all = fingerprints(this.client.account, requests.map((request) => request.body));
		requests.forEach((request, index) => this.fingerprintOf.set(request.itemIndex, all[index]));
		const candidates = requests.flatMap((request) => {
			const entry = ledger.find(this.fingerprintOf.get(request.itemIndex) as string);
			return entry ? [{ request, entry }] : [];
		});
		const reused: ReusedTask[] = [];
		await mapConcurrent(candidates, this.options.schedule.concurrency, async ({ request, entry }) => {
			let status: TaskStatus | undefined;
			try {
				status = await this.client.getStatus(entry.taskId, request.itemIndex);
			} catch (error) {
				if (isUnknownTask(error)) {
					ledger.forget(this.fingerprintOf.get(request.itemIndex) as string);
					return;
				}
				if (!isTransientRead(error) && !this.continueOnFail) throw asNodeError(this.node, error);
			}
			if (status?.state === 'failed') {
				ledger.forget(this.fingerprintOf.get(request.itemIndex) as string);
				return;
			}
			reused.push({
				task: {
					key: request.itemIndex,
					taskId: entry.taskId,
					// Checked at once by the wait: it was submitted long enough ago.
					submittedAt: this.clock.now() - this.options.schedule.initialDelayMs,
					lastState: status?.state ?? 'pending',
					request: { ...request.request, reused: true },
				},
				status,
			});
		});
		const reusedItems = new Set(reused.map(({ task }) => task.key));
		return { reused, toSubmit: requests.filter((request) => !reusedItems.has(request.itemIndex)) };
	}

	/** A task was paid for: kept until it is delivered. */
	recordSubmitted(itemIndex: number, taskId: string): void {
		this.ledger?.record(this.fingerprintOf.get(itemIndex) as string, taskId);
	}

	/**
	 * Items whose task reached the output are delivered: their tasks are never reused. A failed task is not
	 * reused either (a new run submits it again); a timeout or a failed download leaves the task to be picked up.
	 */
	settle(outcomes: ItemOutcome[]): ItemOutcome[] {
		if (!this.ledger) return outcomes;
		for (const outcome of outcomes) {
			const fingerprint = this.fingerprintOf.get(outcome.itemIndex);
			if (fingerprint === undefined) continue;
			if (!isFailure(outcome) || outcome.fields.state === 'failed') this.ledger.forget(fingerprint);
		}
		return outcomes;
	}
}
