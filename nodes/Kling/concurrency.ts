/**
 * Runs `work` for each entry with at most `limit` in flight; results keep input order. When `shouldStop`
 * turns true no new entry starts, but the ones in flight finish (so a paid submit is never abandoned).
 */
export async function mapConcurrent<T, R>(
	entries: readonly T[],
	limit: number,
	work: (entry: T, index: number) => Promise<R>,
	shouldStop: () => boolean = () => false,
): Promise<Array<R | undefined>> {
	const results: Array<R | undefined> = new Array(entries.length);
	let next = 0;
	const worker = async (): Promise<void> => {
		while (next < entries.length && !shouldStop()) {
			const index = next++;
			results[index] = await work(entries[index], index);
		}
	};
	await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, entries.length)) }, worker));
	return results;
}
