/**
 * Result files: a real, playable MP4 (assets/sample-video.mp4, 5 s of H.264) followed by a `free` box that pads
 * the file to the task's size with deterministic pseudo-random bytes derived from the taskId. Players skip `free`
 * boxes, so a file of any size plays; the padding makes each task's bytes (and SHA-256) its own, and lets a test
 * ask for 100 MB. The bytes are generated chunk by chunk, so a large file never sits in memory: the keystream of
 * AES-256-CTR (OpenSSL, GB/s) keyed by the taskId's hash. A size too small for the video and a box header gets
 * the keystream alone, behind an MP4 `ftyp` box so type sniffers still see a video.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';

const CHUNK_BYTES = 64 * 1024;
const ZEROS = Buffer.alloc(CHUNK_BYTES);
const ASSET = 'sample-video.mp4';

/** The asset next to this file (ts-jest), or in the sources when this runs compiled from build/test/simulator. */
function loadVideo(): Buffer {
	const candidates = [join(__dirname, 'assets', ASSET), join(__dirname, '..', '..', '..', 'test', 'simulator', 'assets', ASSET)];
	const found = candidates.find((path) => existsSync(path));
	if (!found) throw new Error(`The simulator's video is missing: ${candidates.join(' or ')}`);
	return readFileSync(found);
}

/** The playable video every successful task returns, before its padding. */
export const SAMPLE_VIDEO = loadVideo();

// size 32, 'ftyp', major brand 'isom', minor version 0x200, compatible brands isom iso2 avc1 mp41
const FTYP_BOX = Buffer.concat([
	Buffer.from([0, 0, 0, 32]),
	Buffer.from('ftypisom', 'latin1'),
	Buffer.from([0, 0, 2, 0]),
	Buffer.from('isomiso2avc1mp41', 'latin1'),
]);

/** A `free` box header for a box of `size` bytes in all (ISO/IEC 14496-12: 64-bit `largesize` above 4 GiB). */
function freeBoxHeader(size: number): Buffer {
	if (size <= 0xffffffff) {
		const header = Buffer.alloc(8);
		header.writeUInt32BE(size, 0);
		header.write('free', 4, 'latin1');
		return header;
	}
	const header = Buffer.alloc(16);
	header.writeUInt32BE(1, 0);
	header.write('free', 4, 'latin1');
	header.writeBigUInt64BE(BigInt(size), 8);
	return header;
}

function* keystreamChunks(taskId: string, length: number): Generator<Buffer> {
	const key = createHash('sha256').update(`apixo-sim-file:${taskId}`).digest();
	const keystream = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
	for (let offset = 0; offset < length; offset += CHUNK_BYTES) {
		const chunkLength = Math.min(CHUNK_BYTES, length - offset);
		yield keystream.update(chunkLength === CHUNK_BYTES ? ZEROS : ZEROS.subarray(0, chunkLength));
	}
}

/** The bytes of the task's file of `size` bytes, or its first `length` bytes (a download cut short). */
export function* fileChunks(taskId: string, size: number, length = size): Generator<Buffer> {
	const end = Math.min(length, size);
	const padding = size - SAMPLE_VIDEO.length;
	if (padding < (padding > 0xffffffff ? 16 : 8)) {
		// No room for the video: the keystream, its first bytes replaced by the ftyp box.
		let first = true;
		for (const chunk of keystreamChunks(taskId, end)) {
			if (first) FTYP_BOX.copy(chunk, 0, 0, Math.min(FTYP_BOX.length, chunk.length));
			first = false;
			yield chunk;
		}
		return;
	}
	const head = Buffer.concat([SAMPLE_VIDEO, freeBoxHeader(padding)]);
	const fromHead = Math.min(head.length, end);
	for (let offset = 0; offset < fromHead; offset += CHUNK_BYTES) yield head.subarray(offset, Math.min(offset + CHUNK_BYTES, fromHead));
	yield* keystreamChunks(taskId, end - fromHead);
}

/** A stream of the file's bytes that produces a chunk only when the reader asks (backpressure). */
export function fileStream(taskId: string, size: number, length = size): Readable {
	return Readable.from(fileChunks(taskId, size, length), { objectMode: false });
}

export function fileSha256(taskId: string, size: number): string {
	const hash = createHash('sha256');
	for (const chunk of fileChunks(taskId, size)) hash.update(chunk);
	return hash.digest('hex');
}
