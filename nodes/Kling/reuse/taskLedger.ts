import type { IDataObject, IExecuteFunctions, IWebhookFunctions } from 'n8n-workflow';

import { BoundedCache } from '../../shared/boundedCache';
import { sha256 } from '../../shared/hash';

// Generate Video remembers every task it paid for until its video is delivered, so that a retry picks it up
// instead of paying for it again, and it remembers which execution paid, so that two executions running at the
// same time never share one video. See the README's "Retries never pay twice".

/** Per node in the workflow's static data, which n8n reads and rewrites whole: kept to about 100 KB at most. */
export const LEDGER_CAPACITY = 1_000;
const STATIC_DATA_KEY = 'paidTasks';
/** What versions before the owner was kept wrote: fingerprint → [task id, submitted at]. Read once, then dropped. */
const LEGACY_KEY = 'undeliveredTasks';

export interface LedgerEntry {
	taskId: string;
	/** The request the task was paid for (see `fingerprints`). */
	fingerprint: string;
	/** When the task was submitted (Unix ms). */
	at: number;
	/** The execution that paid for the task, or last picked it up. */
	owner: string;
	/**
	 * Until when the owner may still deliver the task without running: a paused execution waits for its callbacks
	 * until its wait limit (Unix ms). Unset for an owner that delivers while it runs.
	 */
	heldUntil?: number;
}

/** Task ID → [fingerprint, submitted at, owner, held until]: plain data for n8n's static data. */
type StoredEntry = [string, number, string, number?];
type StoredLedger = Record<string, StoredEntry>;

/** In process memory a delivered task is kept as delivered, so that a run holding an older copy of the static data does not pick it up. */
type Remembered = LedgerEntry | { taskId: string; delivered: true };

/** Process memory per workflow and node: manual runs (whose static data n8n does not save) and overlapping runs use it. */
const inProcess = new Map<string, BoundedCache<string, Remembered>>();

/** This process's memory of one workflow's node. */
function memoryOf(scope: string): BoundedCache<string, Remembered> {
	let memory = inProcess.get(scope);
	if (!memory) {
		memory = new BoundedCache({ maxEntries: LEDGER_CAPACITY * 2 });
		inProcess.set(scope, memory);
	}
	return memory;
}

/** Whose tasks: the workflow and the node. */
function scopeOf(context: IExecuteFunctions | IWebhookFunctions): string {
	const node = context.getNode();
	return `${context.getWorkflow().id ?? ''}|${node.id ?? node.name}`;
}

/**
 * Executions of this process running Generate Video now, with how many of its runs are under way. A task whose
 * owner is one of them is never picked up by another execution.
 */
const runningHere = new Map<string, number>();

/** Marks the execution as running Generate Video until the returned function is called. */
export function markRunning(owner: string): () => void {
	runningHere.set(owner, (runningHere.get(owner) ?? 0) + 1);
	let ended = false;
	return () => {
		if (ended) return;
		ended = true;
		const left = (runningHere.get(owner) ?? 1) - 1;
		if (left > 0) runningHere.set(owner, left);
		else runningHere.delete(owner);
	};
}

/**
 * One fingerprint per item: the whole request as APIXO would get it (every field; the execution's own resume
 * URL left out) and the account. Identical requests in one run are told apart by their position among
 * themselves, so two identical items are still two intended videos.
 */
export function fingerprints(account: string, bodies: IDataObject[]): string[] {
	const seen = new Map<string, number>();
	return bodies.map((body) => {
		const request = JSON.stringify([account, body]);
		const occurrence = seen.get(request) ?? 0;
		seen.set(request, occurrence + 1);
		return sha256(`${request}|${occurrence}`).toString('hex').slice(0, 32);
	});
}

function isStoredEntry(value: unknown): value is StoredEntry {
	return Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'number' && typeof value[2] === 'string';
}

function readStored(staticData: IDataObject): StoredLedger {
	const stored: StoredLedger = {};
	const raw = staticData[STATIC_DATA_KEY];
	if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
		for (const [taskId, entry] of Object.entries(raw as IDataObject)) if (isStoredEntry(entry)) stored[taskId] = entry;
	}
	const legacy = staticData[LEGACY_KEY];
	if (legacy && typeof legacy === 'object' && !Array.isArray(legacy)) {
		for (const [fingerprint, entry] of Object.entries(legacy as IDataObject)) {
			if (Array.isArray(entry) && typeof entry[0] === 'string' && typeof entry[1] === 'number' && !(entry[0] in stored)) {
				stored[entry[0]] = [fingerprint, entry[1], ''];
			}
		}
	}
	return stored;
}

/**
 * The tasks this node paid for and has not delivered, within `windowMs` and the newest `LEDGER_CAPACITY`: in the
 * workflow's static data (n8n saves it after every execution that is not manual, failed ones included, so a
 * Retry of the execution finds it) and in this process's memory (manual runs, and executions running at once).
 */
export class TaskLedger {
	private readonly stored: StoredLedger;

	private readonly memory: BoundedCache<string, Remembered>;

	/** Records since the last pruning: pruned now and then, not per record (a batch records thousands). */
	private recorded = 0;

	private constructor(
		private readonly staticData: IDataObject,
		scope: string,
		private readonly windowMs: number,
		private readonly now: () => number,
	) {
		this.stored = readStored(staticData);
		this.memory = memoryOf(scope);
		this.prune();
		if (LEGACY_KEY in staticData) {
			delete staticData[LEGACY_KEY];
			this.save();
		}
	}

	/** The ledger of this node in this workflow; the window matters only to `claim` and `record`. */
	static open(context: IExecuteFunctions | IWebhookFunctions, windowMs: number, now: () => number): TaskLedger {
		return TaskLedger.over(context.getWorkflowStaticData('node'), scopeOf(context), windowMs, now);
	}

	/** The ledger kept in `staticData` (a node's static data) and in this process's memory under `scope`. */
	static over(staticData: IDataObject, scope: string, windowMs: number, now: () => number): TaskLedger {
		return new TaskLedger(staticData, scope, windowMs, now);
	}

	/**
	 * Takes, for each fingerprint, an undelivered task for `owner` if one is free: submitted within the window, and
	 * either already `owner`'s (Retry On Fail tries again within one execution) or left by an execution that is
	 * neither running in this process nor still holding it for its callbacks. The oldest first (the likeliest to have
	 * ended); each task at most once. Synchronous, so that no other run of this process claims in between.
	 */
	claim(fingerprints: string[], owner: string): Array<LedgerEntry | undefined> {
		const now = this.now();
		const candidates = new Map<string, LedgerEntry>();
		for (const [taskId, [fingerprint, at, entryOwner, heldUntil]] of Object.entries(this.stored)) {
			candidates.set(taskId, { taskId, fingerprint, at, owner: entryOwner, heldUntil });
		}
		// This process's memory is newer than a static data copy read when the execution started.
		for (const [taskId, remembered] of this.memory.stored()) {
			if ('delivered' in remembered) candidates.delete(taskId);
			else candidates.set(taskId, remembered);
		}
		const free = (entry: LedgerEntry) =>
			this.fresh(entry.at) &&
			(entry.owner === owner || (!runningHere.has(entry.owner) && !(entry.heldUntil !== undefined && entry.heldUntil > now)));
		const byFingerprint = new Map<string, LedgerEntry[]>();
		for (const entry of [...candidates.values()].filter(free).sort((a, b) => a.at - b.at)) {
			const list = byFingerprint.get(entry.fingerprint) ?? [];
			list.push(entry);
			byFingerprint.set(entry.fingerprint, list);
		}
		return fingerprints.map((fingerprint) => {
			const entry = byFingerprint.get(fingerprint)?.shift();
			if (!entry) return undefined;
			const taken = { ...entry, owner, heldUntil: undefined };
			this.put(taken);
			return taken;
		});
	}

	/** A task was paid for by `owner`: remembered until it is delivered. */
	record(fingerprint: string, taskId: string, owner: string, heldUntil?: number): void {
		this.put({ taskId, fingerprint, at: this.now(), owner, heldUntil });
		if (++this.recorded >= LEDGER_CAPACITY / 10) {
			this.recorded = 0;
			this.prune();
			this.save();
		}
	}

	/** The owner will not deliver these tasks after all (its run failed before it paused): free for a retry. */
	release(taskIds: Iterable<string>): void {
		for (const taskId of taskIds) {
			const entry = this.entry(taskId);
			if (entry?.heldUntil !== undefined) this.put({ ...entry, heldUntil: undefined });
		}
	}

	/**
	 * Tasks a resumed callback wait delivered, marked in this process's memory only: n8n never saves static data
	 * written in `webhook()` (WaitingWebhooks works on the execution's copy of the workflow), so there is nothing to
	 * write there.
	 */
	static deliveredHere(context: IWebhookFunctions, taskIds: string[]): void {
		const memory = memoryOf(scopeOf(context));
		for (const taskId of taskIds) memory.set(taskId, { taskId, delivered: true });
	}

	/** The task reached the output (or failed): never picked up again. */
	forget(taskId: string): void {
		this.memory.set(taskId, { taskId, delivered: true });
		if (!(taskId in this.stored)) return;
		delete this.stored[taskId];
		this.save();
	}

	private entry(taskId: string): LedgerEntry | undefined {
		const remembered = this.memory.get(taskId);
		if (remembered) return 'delivered' in remembered ? undefined : remembered;
		const stored = this.stored[taskId];
		return stored ? { taskId, fingerprint: stored[0], at: stored[1], owner: stored[2], heldUntil: stored[3] } : undefined;
	}

	private put(entry: LedgerEntry): void {
		this.memory.set(entry.taskId, entry, entry.at);
		this.stored[entry.taskId] =
			entry.heldUntil === undefined ? [entry.fingerprint, entry.at, entry.owner] : [entry.fingerprint, entry.at, entry.owner, entry.heldUntil];
		this.save();
	}

	private fresh(at: number): boolean {
		return this.now() - at <= this.windowMs;
	}

	private prune(): void {
		const entries = Object.entries(this.stored).filter(([, entry]) => this.fresh(entry[1]));
		entries.sort((a, b) => b[1][1] - a[1][1]);
		for (const key of Object.keys(this.stored)) delete this.stored[key];
		for (const [key, entry] of entries.slice(0, LEDGER_CAPACITY)) this.stored[key] = entry;
	}

	private save(): void {
		// Assigned (not only changed inside) so that n8n sees the static data changed and saves it.
		this.staticData[STATIC_DATA_KEY] = this.stored;
	}
}
