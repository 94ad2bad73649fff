/**
 * The tasks and their timeline: pending for the first 20% of the planned duration, then processing,
 * then success or failed when a timer ends them (or completeNow does).
 */
import { randomBytes } from 'node:crypto';
import { failMessage } from './plan';
import { MODEL, type StatusData, type Submission, type TaskPlan, type TaskRecord } from './types';

const PENDING_SHARE = 0.2;

interface Task {
	record: TaskRecord;
	/** The API key that submitted it: other keys cannot see it. Never exposed in records. */
	owner: string;
	timer?: NodeJS.Timeout;
}

export interface TaskHooks {
	resultUrlFor(taskId: string): string;
	onEnded(record: TaskRecord): void;
}

export class TaskBook {
	private tasks = new Map<string, Task>();
	/** Tasks not yet ended, per owner: kept as a count so a busy benchmark does not scan every task per submit. */
	private active = new Map<string, number>();

	constructor(private readonly hooks: TaskHooks) {}

	create(owner: string, submission: Submission, plan: TaskPlan, cost: number): TaskRecord {
		const createdAt = Date.now();
		const record: TaskRecord = {
			taskId: `task_${randomBytes(12).toString('hex')}`,
			model: MODEL,
			state: 'pending',
			createdAt,
			processingAt: createdAt + Math.round(plan.durationMs * PENDING_SHARE),
			endsAt: createdAt + plan.durationMs,
			...submission,
			plan,
			cost,
		};
		const task: Task = { record, owner };
		task.timer = setTimeout(() => this.end(record.taskId), plan.durationMs).unref();
		this.tasks.set(record.taskId, task);
		this.active.set(owner, this.activeCount(owner) + 1);
		return record;
	}

	/** The task as `owner` may see it: undefined for unknown ids and other keys' tasks. */
	find(taskId: string, owner?: string): TaskRecord | undefined {
		const task = this.tasks.get(taskId);
		if (!task || (owner !== undefined && task.owner !== owner)) return undefined;
		this.settle(task.record);
		return task.record;
	}

	all(): TaskRecord[] {
		return [...this.tasks.values()].map(({ record }) => (this.settle(record), record));
	}

	/** Tasks of `owner` not yet ended, for APIXO's 1,000-concurrent-tasks limit. */
	activeCount(owner: string): number {
		return this.active.get(owner) ?? 0;
	}

	/** Ends a task now with the given outcome (default: its plan's). Does nothing to an ended task. */
	end(taskId: string, outcome?: 'success' | 'failed'): void {
		const task = this.tasks.get(taskId);
		if (!task || task.record.endedAt !== undefined) return;
		clearTimeout(task.timer);
		this.active.set(task.owner, this.activeCount(task.owner) - 1);
		const { record } = task;
		record.endedAt = Date.now();
		record.state = outcome ?? record.plan.outcome;
		if (record.state === 'success') {
			record.resultUrl = this.hooks.resultUrlFor(taskId);
		} else {
			record.failCode = record.plan.failCode ?? 'GENERATION_FAILED';
			record.failMsg = record.plan.failMsg ?? failMessage(record.failCode);
		}
		this.hooks.onEnded(record);
	}

	clear(): void {
		for (const task of this.tasks.values()) clearTimeout(task.timer);
		this.tasks.clear();
		this.active.clear();
	}

	/**
	 * Brings the state up to date before anyone reads it; a task whose end time has passed ends here
	 * even if its timer has not fired yet, so a poll never sees a task lag behind its plan.
	 */
	private settle(record: TaskRecord): void {
		if (record.endedAt !== undefined) return;
		const now = Date.now();
		if (now >= record.endsAt) this.end(record.taskId);
		else record.state = now >= record.processingAt ? (record.plan.runningState ?? 'processing') : 'pending';
	}
}

/** The `data` of a status response or callback: only the fields that apply to the state. */
export function statusData(record: TaskRecord): StatusData {
	const data: StatusData = { taskId: record.taskId, state: record.state, createTime: record.createdAt };
	if (record.endedAt === undefined) return data;
	data.completeTime = record.endedAt;
	if (record.state === 'success') {
		data.resultJson = JSON.stringify({ resultUrls: [record.resultUrl] });
		data.costTime = record.endedAt - record.createdAt;
	} else {
		data.failCode = record.failCode;
		data.failMsg = record.failMsg;
	}
	return data;
}
