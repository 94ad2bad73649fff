import { systemClock, type Clock } from './clock';

export interface BoundedCacheOptions {
	/** Beyond this many entries the oldest are dropped first (default: no limit). */
	maxEntries?: number;
	/** An entry stored this long ago or longer reads as absent (default: never). */
	ttlMs?: number;
	/** What `now` is when a call does not say (default: the system clock). */
	clock?: Pick<Clock, 'now'>;
}

/**
 * The one in-process memory of the nodes: bounded in size, optionally in age. "Oldest" is the order of storing: a
 * Map keeps insertion order, and `set` moves a key to the newest end, so dropping from the front drops the oldest.
 * A read never reorders. Expired entries are dropped when read, and from the oldest end on every `set`.
 */
export class BoundedCache<K, V> {
	private readonly entries = new Map<K, { value: V; at: number }>();

	private readonly maxEntries: number;

	private readonly ttlMs: number;

	private readonly clock: Pick<Clock, 'now'>;

	constructor(options: BoundedCacheOptions = {}) {
		this.maxEntries = options.maxEntries ?? Number.POSITIVE_INFINITY;
		this.ttlMs = options.ttlMs ?? Number.POSITIVE_INFINITY;
		this.clock = options.clock ?? systemClock;
	}

	get size(): number {
		return this.entries.size;
	}

	get(key: K, now = this.clock.now()): V | undefined {
		const entry = this.entries.get(key);
		if (entry === undefined) return undefined;
		if (now - entry.at < this.ttlMs) return entry.value;
		this.entries.delete(key);
		return undefined;
	}

	has(key: K, now?: number): boolean {
		return this.get(key, now) !== undefined;
	}

	/** Stores `value` as the newest entry, stored at `now`; drops what has expired by then, then the oldest beyond the limit. */
	set(key: K, value: V, now = this.clock.now()): void {
		this.entries.delete(key);
		this.entries.set(key, { value, at: now });
		for (const [oldest, { at }] of this.entries) {
			if (now - at < this.ttlMs) break;
			this.entries.delete(oldest);
		}
		this.dropBeyondLimit();
	}

	/**
	 * Stores entries kept elsewhere (such as n8n's static data) as they were, oldest first: nothing is dropped for
	 * its age here (a read still finds an expired entry absent), only the oldest beyond the limit.
	 */
	restore(entries: Iterable<[K, V, number]>): void {
		for (const [key, value, at] of entries) {
			this.entries.delete(key);
			this.entries.set(key, { value, at });
		}
		this.dropBeyondLimit();
	}

	delete(key: K): boolean {
		return this.entries.delete(key);
	}

	/** Drops every entry that `drop` picks. */
	deleteWhere(drop: (value: V, key: K) => boolean): void {
		for (const [key, { value }] of this.entries) {
			if (drop(value, key)) this.entries.delete(key);
		}
	}

	/** Every entry as stored, expired ones included, oldest first. */
	*stored(): IterableIterator<[K, V]> {
		for (const [key, { value }] of this.entries) yield [key, value];
	}

	private dropBeyondLimit(): void {
		for (const oldest of this.entries.keys()) {
			if (this.entries.size <= this.maxEntries) break;
			this.entries.delete(oldest);
		}
	}
}
