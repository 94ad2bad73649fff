import { createHash } from 'crypto';

/** SHA-256 of a text (UTF-8): for one-way identities and fingerprints, and for comparing secrets in constant time. */
export function sha256(text: string): Buffer {
	return createHash('sha256').update(text, 'utf8').digest();
}
