/**
 * Result files: deterministic pseudo-random bytes derived from the taskId, generated chunk by chunk
 * so a 100 MB file never sits in memory. The keystream of AES-256-CTR (OpenSSL, GB/s) keyed by the
 * taskId's hash gives the bytes; the first 32 are an MP4 `ftyp` box so type sniffers see a video.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';

const CHUNK_BYTES = 64 * 1024;
const ZEROS = Buffer.alloc(CHUNK_BYTES);

// size 32, 'ftyp', major brand 'isom', minor version 0x200, compatible brands isom iso2 avc1 mp41
const FTYP_BOX = Buffer.concat([
	Buffer.from([0, 0, 0, 32]),
	Buffer.from('ftypisom', 'latin1'),
	Buffer.from([0, 0, 2, 0]),
	Buffer.from('isomiso2avc1mp41', 'latin1'),
]);

/** The first `length` bytes of the task's file; the bytes do not depend on the file's total size. */
export function* fileChunks(taskId: string, length: number): Generator<Buffer> {
	const key = createHash('sha256').update(`apixo-sim-file:${taskId}`).digest();
	const keystream = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
	for (let offset = 0; offset < length; offset += CHUNK_BYTES) {
		const chunkLength = Math.min(CHUNK_BYTES, length - offset);
		const chunk = keystream.update(chunkLength === CHUNK_BYTES ? ZEROS : ZEROS.subarray(0, chunkLength));
		if (offset === 0) FTYP_BOX.copy(chunk, 0, 0, Math.min(FTYP_BOX.length, chunk.length));
		yield chunk;
	}
}

/** A stream of the file's bytes that produces a chunk only when the reader asks (backpressure). */
export function fileStream(taskId: string, length: number): Readable {
	return Readable.from(fileChunks(taskId, length), { objectMode: false });
}

export function fileSha256(taskId: string, size: number): string {
	const hash = createHash('sha256');
	for (const chunk of fileChunks(taskId, size)) hash.update(chunk);
	return hash.digest('hex');
}
