import type { TaskState } from '../shared/constants';
import type { TaskRequestFields } from '../shared/taskResult';

// What waiting (wait/) and reuse (reuse/) hand around, beside both so that neither reaches into the other for it.

/** A task submitted (or picked up) and not known to have ended. */
export interface PendingTask {
	/** The caller's key, usually the item index. */
	key: number;
	taskId: string;
	/** When the task was submitted (or, for a task from elsewhere, when waiting began). */
	submittedAt: number;
	lastState: TaskState;
	/** The request's fields, carried into every output of the task. */
	request?: TaskRequestFields;
}

/** When and how often a wait checks its tasks, and for how long: read from the node's options. */
export interface WaitSchedule {
	initialDelayMs: number;
	pollIntervalMs: number;
	timeoutMs: number;
	/** Status requests in flight at once. The request budget paces them further. */
	concurrency: number;
}
