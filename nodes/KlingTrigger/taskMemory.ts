import type { IDataObject, IWebhookFunctions } from 'n8n-workflow';

import { BoundedCache } from '../shared/boundedCache';
import { systemClock, type Clock } from '../shared/clock';

// How the Kling Trigger remembers the task ids it has accepted, so APIXO's retries start no second run.

/** APIXO retries a callback that did not get a 200 (up to 3 times); a day covers any retry schedule. */
export const SEEN_TTL_MS = 24 * 60 * 60 * 1000;
/** Per n8n process, across all Kling Trigger nodes it serves. */
export const MEMORY_CAPACITY = 10_000;
/**
 * Per trigger node, in the workflow's static data. n8n reads and rewrites the whole static data on every
 * production callback, so this list is kept small: about 45 KB at most.
 */
export const STORED_CAPACITY = 1_000;

/**
 * Task ids with the time they were accepted, oldest first; an id counts as seen for `ttlMs`, and beyond
 * `capacity` the oldest are forgotten first. Plain data, so it can be rebuilt from (and written back to) n8n's
 * workflow static data, where key order is not kept (PostgreSQL's jsonb sorts keys).
 */
export class SeenTaskIds {
	/** Task id → when it was accepted. */
	private readonly acceptedAt: BoundedCache<string, number>;

	constructor(capacity: number, ttlMs: number) {
		this.acceptedAt = new BoundedCache({ maxEntries: capacity, ttlMs });
	}

	static fromRecord(record: unknown, capacity: number, ttlMs: number): SeenTaskIds {
		const seen = new SeenTaskIds(capacity, ttlMs);
		if (record && typeof record === 'object' && !Array.isArray(record)) {
			const entries = Object.entries(record).filter((entry): entry is [string, number] => typeof entry[1] === 'number');
			seen.acceptedAt.restore(entries.sort((a, b) => a[1] - b[1]).map(([taskId, at]) => [taskId, at, at]));
		}
		return seen;
	}

	has(taskId: string, now: number): boolean {
		return this.acceptedAt.has(taskId, now);
	}

	add(taskId: string, now: number): void {
		this.acceptedAt.set(taskId, now, now);
	}

	get size(): number {
		return this.acceptedAt.size;
	}

	toRecord(): Record<string, number> {
		return Object.fromEntries(this.acceptedAt.stored());
	}
}

/** This process's memory, and the callbacks being handled right now (a concurrent repeat must not slip through). */
const acceptedInProcess = new SeenTaskIds(MEMORY_CAPACITY, SEEN_TTL_MS);
const inFlight = new Set<string>();
/**
 * Per trigger node (scope): the ids this process accepted lately, as the static data should hold them. Callbacks
 * handled at the same time each load the static data before any of them saves it, and n8n saves the whole of it
 * (last write wins), so each write carries every id this process knows — not only its own.
 */
const storedByScope = new BoundedCache<string, SeenTaskIds>({ maxEntries: 100 });
/**
 * Writing the static data makes n8n save the workflow's static data (one database write of up to 45 KB) when the
 * webhook call ends. In a burst that is one write per callback, all carrying the same ids, queued on n8n's database
 * pool with everything else the burst needs. So a scope's ids are written at most once a second while other
 * callbacks of that scope are still being handled, and always by the last one of them to end: every accepted id
 * reaches the static data, in fewer writes. Per scope: the callbacks being handled, and whether and when ids were
 * accepted since the last write.
 */
const WRITE_INTERVAL_MS = 1000;
const handling = new Map<string, { count: number; unwritten: boolean; writtenAt: number }>();

const STATIC_DATA_KEY = 'seenTaskIds';

/**
 * Where the trigger's memory lives for one callback. The in-process key includes the workflow, the node and
 * the mode, so a test event ("Listen for test event") and production never mark each other's tasks.
 */
export class TaskMemory {
	private readonly scope: string;
	private readonly staticData: IDataObject;

	constructor(
		context: IWebhookFunctions,
		private readonly clock: Pick<Clock, 'now'> = systemClock,
	) {
		const node = context.getNode();
		this.scope = `${context.getWorkflow().id ?? ''}|${node.id ?? node.name}|${context.getMode()}|`;
		this.staticData = context.getWorkflowStaticData('node');
	}

	/** A map lookup, then one property of the stored record: nothing is parsed or sorted on this path. */
	seen(taskId: string, now: number): boolean {
		if (acceptedInProcess.has(this.scope + taskId, now)) return true;
		const record = this.staticData[STATIC_DATA_KEY] as Record<string, unknown> | undefined;
		const at = record && typeof record === 'object' && Object.hasOwn(record, taskId) ? record[taskId] : undefined;
		return typeof at === 'number' && now - at < SEEN_TTL_MS;
	}

	/** Claims the task for this request; false when another request is handling it now. */
	claim(taskId: string): boolean {
		if (inFlight.has(this.scope + taskId)) return false;
		inFlight.add(this.scope + taskId);
		const scope = handling.get(this.scope) ?? { count: 0, unwritten: false, writtenAt: Number.NEGATIVE_INFINITY };
		scope.count++;
		handling.set(this.scope, scope);
		return true;
	}

	/** Ends the request's claim; the last callback of a scope being handled writes what is still unwritten. */
	release(taskId: string): void {
		inFlight.delete(this.scope + taskId);
		const scope = handling.get(this.scope);
		if (!scope) return;
		scope.count--;
		if (scope.count > 0) return;
		handling.delete(this.scope);
		if (scope.unwritten) this.write();
	}

	/** Remembers the task in this process, and in the static data now or by a later callback (see `handling`). */
	accept(taskId: string, now: number): void {
		acceptedInProcess.add(this.scope + taskId, now);
		let mine = storedByScope.get(this.scope);
		if (!mine) {
			mine = new SeenTaskIds(STORED_CAPACITY, SEEN_TTL_MS);
			storedByScope.set(this.scope, mine);
		}
		mine.add(taskId, now);
		const scope = handling.get(this.scope);
		if (scope && scope.count > 1 && this.clock.now() - scope.writtenAt < WRITE_INTERVAL_MS) {
			scope.unwritten = true;
			return;
		}
		this.write();
	}

	private write(): void {
		const mine = storedByScope.get(this.scope);
		if (!mine) return;
		const scope = handling.get(this.scope);
		if (scope) {
			scope.unwritten = false;
			scope.writtenAt = this.clock.now();
		}
		// What this request loaded (other processes' ids, ids from before a restart) plus what this process knows.
		const stored = SeenTaskIds.fromRecord({ ...(this.staticData[STATIC_DATA_KEY] as object | undefined), ...mine.toRecord() }, STORED_CAPACITY, SEEN_TTL_MS);
		// Assigning a new object marks the static data as changed; n8n saves it once webhook() has returned.
		this.staticData[STATIC_DATA_KEY] = stored.toRecord();
	}
}
