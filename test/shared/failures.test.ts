import { isTransient, isTransientRead, isUnknownTask } from '../../nodes/shared/failures';

describe('transient or final: one rule for the client, the waits, reuse and the trigger', () => {
	test.each([
		// status, kind, at, transient
		[429, 'submit', 'soon', true],
		[503, 'submit', 'soon', true],
		[500, 'read', 'soon', true],
		[500, 'submit', 'soon', false],
		[502, 'read', 'soon', false],
		[504, 'read', 'soon', false],
		[502, 'read', 'later', true],
		[504, 'read', 'later', true],
		[400, 'read', 'later', false],
		[401, 'read', 'later', false],
		[404, 'read', 'later', false],
	] as const)('HTTP %s on a %s, retried %s: transient %s', (status, kind, at, transient) => {
		expect(isTransient({ status }, kind, at)).toBe(transient);
	});

	test('a dropped connection is retried at once on a read, on a submit only when it certainly never left', () => {
		expect(isTransient({ networkCode: 'ECONNRESET' }, 'read', 'soon')).toBe(true);
		expect(isTransient({ networkCode: 'ECONNRESET' }, 'submit', 'soon')).toBe(false);
		expect(isTransient({ networkCode: 'ECONNREFUSED' }, 'submit', 'soon')).toBe(true);
		expect(isTransient({}, 'read', 'soon')).toBe(false);
		expect(isTransient({}, 'read', 'later')).toBe(true);
	});

	test('an error thrown by the client: no HTTP status (a connection failure) is transient for a later check; 404 is an unknown task', () => {
		expect(isTransientRead(new Error('Could not reach APIXO'))).toBe(true);
		expect(isTransientRead(Object.assign(new Error('rate limit'), { httpCode: '429' }))).toBe(true);
		expect(isTransientRead(Object.assign(new Error('key'), { httpCode: '401' }))).toBe(false);
		expect(isUnknownTask(Object.assign(new Error('unknown'), { httpCode: '404' }))).toBe(true);
		expect(isUnknownTask(Object.assign(new Error('server'), { httpCode: '500' }))).toBe(false);
	});
});
