/** SHA-256, the one-way identity behind fingerprints, accounts and token comparison. */
import { sha256 } from '../../nodes/shared/hash';

describe('sha256', () => {
	test('the standard digest of a text, as UTF-8', () => {
		expect(sha256('abc').toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
		expect(sha256('é').equals(sha256('\u00e9'))).toBe(true);
	});
});
