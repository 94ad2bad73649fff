import { BoundedCache } from '../../nodes/shared/boundedCache';

describe('the bounded cache', () => {
	test('beyond its size the oldest stored entry goes first; storing again makes an entry the newest', () => {
		const cache = new BoundedCache<string, number>({ maxEntries: 2 });
		cache.set('a', 1, 0);
		cache.set('b', 2, 0);
		cache.set('a', 3, 0);
		cache.set('c', 4, 0);
		expect([...cache.stored()]).toEqual([['a', 3], ['c', 4]]);
	});

	test('an entry reads as absent once it is ttlMs old, and expired entries are dropped when another is stored', () => {
		let now = 0;
		const cache = new BoundedCache<string, number>({ ttlMs: 100, clock: { now: () => now } });
		cache.set('a', 1);
		now = 99;
		expect(cache.get('a')).toBe(1);
		cache.set('b', 2);
		now = 100;
		expect(cache.has('a')).toBe(false);
		now = 250;
		cache.set('c', 3);
		expect(cache.size).toBe(1);
	});

	test('restored entries keep their times and order; only the limit drops any', () => {
		const cache = new BoundedCache<string, number>({ maxEntries: 2, ttlMs: 100 });
		cache.restore([['old', 1, 0], ['mid', 2, 500], ['new', 3, 1_000]]);
		expect([...cache.stored()]).toEqual([['mid', 2], ['new', 3]]);
		expect(cache.get('mid', 1_000)).toBeUndefined();
	});
});
