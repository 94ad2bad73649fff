import type { TaskState } from '../../shared/constants';
import type { TaskRequestFields } from '../../shared/taskResult';

/** A task submitted (or picked up) and not known to have ended: what every way of waiting, and reuse, hand around. */
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
