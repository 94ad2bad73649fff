import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { BoundedCache } from '../../shared/boundedCache';
import { sha256 } from '../../shared/hash';

// Generate Video remembers the tasks it paid for and has not delivered yet, so that a retry picks them up
// instead of paying for them again. See the README's "Retries never pay twice".

/** Per node in the workflow's static data, which n8n reads and rewrites whole: kept to about 100 KB at most. */
export const LEDGER_CAPACITY = 1_000;
const STATIC_DATA_KEY = 'undeliveredTasks';

export interface LedgerEntry {
	taskId: string;
	/** When the task was submitted (Unix ms). */
	at: number;
}

/** fingerprint → [task id, submitted at]: plain data for n8n's static data (whose key order is not kept). */
type StoredLedger = Record<string, [string, number]>;

/** Process memory per workflow and node: manual runs, whose static data n8n does not save, use it. */
const inProcess = new Map<string, BoundedCache<string, LedgerEntry>>();

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

/**
 * The tasks this node submitted and has not delivered, within `windowMs` and the newest `LEDGER_CAPACITY`:
 * in the workflow's static data (n8n saves it after every execution that is not manual, failed ones included,
 * so a Retry of the execution finds it) and in this process's memory (for manual runs).
 */
export class TaskLedger {
	private readonly stored: StoredLedger;

	private readonly memory: BoundedCache<string, LedgerEntry>;

	/** Records since the last pruning: pruned now and then, not per record (a batch records thousands). */
	private recorded = 0;

	private constructor(
		private readonly staticData: IDataObject,
		scope: string,
		private readonly windowMs: number,
		private readonly now: () => number,
	) {
		const raw = staticData[STATIC_DATA_KEY];
		this.stored = raw && typeof raw === 'object' && !Array.isArray(raw) ? { ...(raw as StoredLedger) } : {};
		let memory = inProcess.get(scope);
		if (!memory) {
			memory = new BoundedCache({ maxEntries: LEDGER_CAPACITY });
			inProcess.set(scope, memory);
		}
		this.memory = memory;
		this.prune();
	}

	static open(context: IExecuteFunctions, windowMs: number, now: () => number): TaskLedger {
		const node = context.getNode();
		const scope = `${context.getWorkflow().id ?? ''}|${node.id ?? node.name}`;
		return new TaskLedger(context.getWorkflowStaticData('node'), scope, windowMs, now);
	}

	/** The undelivered task of this fingerprint, if one was submitted within the window. */
	find(fingerprint: string): LedgerEntry | undefined {
		const stored = this.stored[fingerprint];
		if (Array.isArray(stored) && typeof stored[0] === 'string' && typeof stored[1] === 'number' && this.fresh(stored[1])) {
			return { taskId: stored[0], at: stored[1] };
		}
		const remembered = this.memory.get(fingerprint);
		return remembered && this.fresh(remembered.at) ? remembered : undefined;
	}

	/** A task was paid for: remembered until it is delivered. */
	record(fingerprint: string, taskId: string): void {
		const at = this.now();
		this.stored[fingerprint] = [taskId, at];
		this.memory.set(fingerprint, { taskId, at }, at);
		if (++this.recorded >= LEDGER_CAPACITY / 10) {
			this.recorded = 0;
			this.prune();
		}
		this.save();
	}

	/** The task reached the output (or failed): never reused. */
	forget(fingerprint: string): void {
		if (!(fingerprint in this.stored) && !this.memory.has(fingerprint)) return;
		delete this.stored[fingerprint];
		this.memory.delete(fingerprint);
		this.save();
	}

	private fresh(at: number): boolean {
		return this.now() - at <= this.windowMs;
	}

	private prune(): void {
		const entries = Object.entries(this.stored).filter(([, entry]) => Array.isArray(entry) && this.fresh(entry[1]));
		entries.sort((a, b) => b[1][1] - a[1][1]);
		for (const key of Object.keys(this.stored)) delete this.stored[key];
		for (const [key, entry] of entries.slice(0, LEDGER_CAPACITY)) this.stored[key] = entry;
		this.memory.deleteWhere((entry) => !this.fresh(entry.at));
	}

	private save(): void {
		// Assigned (not only changed inside) so that n8n sees the static data changed and saves it.
		this.staticData[STATIC_DATA_KEY] = this.stored;
	}
}
