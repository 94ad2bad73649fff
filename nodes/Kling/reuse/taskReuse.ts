import type { IDataObject, IExecuteFunctions, INode, Logger } from 'n8n-workflow';

import type { ApixoClient } from '../../shared/ApixoClient';
import type { Clock } from '../../shared/clock';
import { nativeExecutionStore, type ExecutionStore } from '../../shared/compat';
import { asNodeError } from '../../shared/errors';
import { isTransientRead, isUnknownTask } from '../../shared/failures';
import type { TaskRequestFields, TaskStatus } from '../../shared/taskResult';
import { mapConcurrent } from '../concurrency';
import type { NodeOptions } from '../options';
import { isFailure, type ItemOutcome } from '../outcomes';
import type { PendingTask } from '../task';
import { fingerprints, markRunning, TaskLedger } from './taskLedger';

// Generate Video's policy for tasks it paid for and did not deliver: picked up by a later run with the very same
// request instead of paid for again. See the README's "Retries never pay twice".

/** The custom data key that lists the execution's paid task IDs. */
export const PAID_TASKS_KEY = 'klingTaskIds';
const CUSTOM_DATA_CHARS = 512;

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
 * Reuse in four calls: `pickUp` before submitting, `recordSubmitted` for each task paid for, `settle` with the
 * outcomes once they are handed to n8n (only then are they delivered), `end` when the run ends however it ends.
 * With Reuse Undelivered Tasks off, nothing is picked up, recorded or settled.
 */
export class TaskReuse {
	/** Item index → its request's fingerprint, for this run's valid items. */
	private readonly fingerprintOf = new Map<number, string>();

	/** Tasks this run recorded as held for callbacks: released if the run ends before it pauses. */
	private readonly held: string[] = [];

	/** Every task this run paid for, in order: shown in the execution's custom data. */
	private readonly paid: string[] = [];

	/** Length of the first i paid IDs joined with ", ", for every i; and how many IDs the shown value holds. */
	private readonly joinedLength: number[] = [0];

	private shownCount = 0;

	private paused = false;

	private constructor(
		private readonly node: INode,
		private readonly client: ApixoClient,
		private readonly ledger: TaskLedger | undefined,
		/** The execution this run belongs to: the owner of every task it pays for or picks up. */
		private readonly owner: string,
		private readonly endRunning: () => void,
		private readonly options: NodeOptions,
		private readonly clock: Clock,
		private readonly continueOnFail: boolean,
		private readonly customData?: ExecutionStore,
		private readonly logger?: Logger,
	) {}

	static open(context: IExecuteFunctions, client: ApixoClient, options: NodeOptions, clock: Clock, continueOnFail: boolean): TaskReuse {
		const ledger = options.reuseWindowMs > 0 ? TaskLedger.open(context, options.reuseWindowMs, clock.now) : undefined;
		const owner = context.getExecutionId() ?? `run-${clock.now()}-${Math.random()}`;
		return new TaskReuse(context.getNode(), client, ledger, owner, markRunning(owner), options, clock, continueOnFail, nativeExecutionStore(context), context.logger);
	}

	/**
	 * Takes each free task the ledger holds for these requests (ledger.ts says which are free) and reads it: a
	 * failed task, or one APIXO no longer knows, is forgotten and its item submitted again; any other is picked up
	 * (a read failing for a transient reason counts as still running: the wait reads it again). The rest are to
	 * submit.
	 */
	async pickUp<T extends ReusableRequest>(requests: T[]): Promise<{ reused: ReusedTask[]; toSubmit: T[] }> {
		const { ledger } = this;
		if (!ledger) return { reused: [], toSubmit: requests };
		const all = fingerprints(this.client.account, requests.map((request) => request.body));
		requests.forEach((request, index) => this.fingerprintOf.set(request.itemIndex, all[index]));
		// Every claim before the first request: an execution starting meanwhile sees them taken.
		const claimed = ledger.claim(all, this.owner);
		const candidates = requests.flatMap((request, index) => {
			const entry = claimed[index];
			return entry ? [{ request, entry }] : [];
		});
		const reused: ReusedTask[] = [];
		await mapConcurrent(candidates, this.options.schedule.concurrency, async ({ request, entry }) => {
			let status: TaskStatus | undefined;
			try {
				status = await this.client.getStatus(entry.taskId, request.itemIndex);
			} catch (error) {
				if (isUnknownTask(error)) {
					ledger.forget(entry.taskId);
					return;
				}
				if (!isTransientRead(error) && !this.continueOnFail) throw asNodeError(this.node, error);
			}
			if (status?.state === 'failed') {
				ledger.forget(entry.taskId);
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

	/**
	 * A task was paid for: kept until it is delivered. `heldUntil`: a paused run's wait limit, until which no
	 * other execution picks the task up even when this one is no longer running.
	 */
	recordSubmitted(itemIndex: number, taskId: string, heldUntil?: number): void {
		this.paid.push(taskId);
		this.showPaid();
		// What survives a process killed mid-run (n8n then saves nothing of the execution): its log.
		this.logger?.info(`Kling: paid for task ${taskId} (item ${itemIndex} of execution ${this.owner})`);
		if (!this.ledger) return;
		this.ledger.record(this.fingerprintOf.get(itemIndex) as string, taskId, this.owner, heldUntil);
		if (heldUntil !== undefined) this.held.push(taskId);
	}

	/**
	 * The paid task IDs in the execution's custom data (`klingTaskIds`), which n8n's executions list shows and
	 * filters on, and saves even when the execution is stopped from outside (n8n 2.x; 1.x has no such store for a
	 * node). n8n keeps 512 characters of a value: the first IDs, and how many more.
	 */
	private showPaid(): void {
		if (!this.customData) return;
		const { paid, joinedLength } = this;
		joinedLength.push(joinedLength[paid.length - 1] + (paid.length > 1 ? 2 : 0) + paid[paid.length - 1].length);
		// All of them if they fit; else the most that fit with "(+N more)", at least one. Each new ID only lengthens
		// the suffix, so the count never grows once cut: a batch costs O(n), not a join per ID.
		const fits = (count: number) => joinedLength[count] + ` (+${paid.length - count} more)`.length <= CUSTOM_DATA_CHARS;
		if (joinedLength[paid.length] <= CUSTOM_DATA_CHARS) this.shownCount = paid.length;
		else {
			this.shownCount = Math.max(1, Math.min(this.shownCount, paid.length - 1));
			while (this.shownCount > 1 && !fits(this.shownCount)) this.shownCount--;
		}
		const more = paid.length - this.shownCount;
		const shown = paid.slice(0, this.shownCount).join(', ') + (more > 0 ? ` (+${more} more)` : '');
		try {
			this.customData.set(PAID_TASKS_KEY, shown);
		} catch {
			// Custom data is only a window on the tasks: the node's output and errors name them too.
		}
	}

	/** The run has paused: its callbacks deliver its tasks, so they stay held until the wait limit. */
	markPaused(): void {
		this.paused = true;
	}

	/**
	 * Outcomes handed to n8n as the node's output: an item whose task is in it is delivered, its task never reused.
	 * A failed task is not reused either (a new run submits it again); a timeout or a failed download leaves the
	 * task to be picked up.
	 */
	settle(outcomes: ItemOutcome[]): void {
		const { ledger } = this;
		if (ledger) for (const taskId of deliveredTasks(outcomes)) ledger.forget(taskId);
	}

	/** The run ended, however it ended: its undelivered tasks are free for a retry (a paused run's stay held). */
	end(): void {
		if (this.ledger && !this.paused) this.ledger.release(this.held);
		this.endRunning();
	}
}

/** The task of every outcome that delivers it: a result, or a failure of the task itself. */
export function deliveredTasks(outcomes: ItemOutcome[]): string[] {
	return outcomes.flatMap((outcome) => {
		const fields = isFailure(outcome) ? outcome.fields : outcome.result;
		return typeof fields.taskId === 'string' && (!isFailure(outcome) || fields.state === 'failed') ? [fields.taskId] : [];
	});
}
