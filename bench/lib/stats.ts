/** Small numeric helpers for the benchmark. */

/** Nearest-rank percentile (p in 0–100) of the values; undefined for none. */
export function percentile(values: number[], p: number): number | undefined {
	if (values.length === 0) return undefined;
	const sorted = [...values].sort((a, b) => a - b);
	const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
	return sorted[Math.min(sorted.length, rank) - 1];
}

export function median(values: number[]): number | undefined {
	if (values.length === 0) return undefined;
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export interface Summary {
	samples: number;
	median?: number;
	p95?: number;
	min?: number;
	max?: number;
}

export function summarize(values: number[]): Summary {
	return {
		samples: values.length,
		median: median(values),
		p95: percentile(values, 95),
		min: values.length ? Math.min(...values) : undefined,
		max: values.length ? Math.max(...values) : undefined,
	};
}

/** A deterministic PRNG (mulberry32), so every mode gets the same task durations. */
export function seeded(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export const round = (value: number | undefined, digits = 0): number | undefined =>
	value === undefined || !Number.isFinite(value) ? undefined : Number(value.toFixed(digits));

/** How many times each value occurs, keyed by the value as a string (e.g. HTTP statuses). */
export function tally(values: number[]): Record<string, number> {
	const out: Record<string, number> = {};
	for (const value of values) out[String(value)] = (out[String(value)] ?? 0) + 1;
	return out;
}

/** How many times `needle` occurs in `text` (not overlapping). */
export function count(text: string, needle: string): number {
	let found = 0;
	for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) found++;
	return found;
}
