/**
 * Checks a submit body against the documented schema of generateTask/kling-2-5-turbo-pro and
 * normalises it (defaults filled in). Strict on purpose: a client that passes here sends only what
 * the docs describe. Unknown fields are ignored, as a real API would.
 */
import type { AspectRatio, Mode, Provider, RequestType, Submission, SubmitInput } from './types';

export type ValidationResult = { ok: true; submission: Submission } | { ok: false; error: string };

const REQUEST_TYPES: readonly RequestType[] = ['async', 'callback'];
const PROVIDERS: readonly Provider[] = ['auto', 'value', 'official'];
const MODES: readonly Mode[] = ['text-to-video', 'image-to-video'];
const ASPECT_RATIOS: readonly AspectRatio[] = ['16:9', '9:16', '1:1'];
const MAX_PROMPT_CHARS = 2500;

class InvalidField extends Error {}

function fail(message: string): never {
	throw new InvalidField(message);
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string, fallback: T): T {
	if (value === undefined) return fallback;
	if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
	return fail(`${field} must be one of ${allowed.join(', ')}`);
}

/** http and https only; the docs ask for public HTTPS, but tests run on plain-HTTP loopback. */
function isHttpUrl(value: unknown): value is string {
	if (typeof value !== 'string') return false;
	try {
		const { protocol } = new URL(value);
		return protocol === 'http:' || protocol === 'https:';
	} catch {
		return false;
	}
}

/** Characters, not UTF-16 units, so an emoji counts once. */
function charCount(text: string): number {
	return Array.from(text).length;
}

function checkText(value: unknown, field: string, min: number): string {
	if (typeof value !== 'string') fail(`${field} must be a string`);
	const length = charCount(value);
	if (length < min || length > MAX_PROMPT_CHARS) {
		fail(`${field} must be ${min}–${MAX_PROMPT_CHARS} characters long (got ${length})`);
	}
	return value;
}

function checkDuration(value: unknown): 5 | 10 {
	if (value === undefined) return 5;
	const seconds = typeof value === 'string' ? Number(value) : value;
	if (seconds === 5 || seconds === 10) return seconds;
	return fail('input.duration must be 5 or 10');
}

function checkImageUrls(value: unknown): string[] {
	if (!Array.isArray(value) || value.length < 1 || value.length > 2) {
		fail('input.image_urls must be an array of 1–2 image URLs (start frame, optional end frame)');
	}
	value.forEach((url, index) => {
		if (!isHttpUrl(url)) fail(`input.image_urls[${index}] must be an http(s) URL`);
	});
	return value as string[];
}

function checkCfgScale(value: unknown): number {
	if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
		fail('input.cfg_scale must be a number from 0 to 1');
	}
	// Steps of 0.1, with room for float noise such as 0.30000000000000004.
	if (Math.abs(value * 10 - Math.round(value * 10)) > 1e-9) fail('input.cfg_scale must be a multiple of 0.1');
	return value;
}

function checkInput(raw: unknown): SubmitInput {
	if (!isObject(raw)) fail('input is required and must be an object');
	if (raw.mode === undefined) fail('input.mode is required');
	const mode = oneOf(raw.mode, MODES, 'input.mode', 'text-to-video');
	const input: SubmitInput = {
		mode,
		prompt: checkText(raw.prompt ?? fail('input.prompt is required'), 'input.prompt', 1),
		duration: checkDuration(raw.duration),
	};
	if (mode === 'text-to-video') {
		if (raw.image_urls !== undefined) fail('input.image_urls is only for image-to-video');
		input.aspect_ratio = oneOf(raw.aspect_ratio, ASPECT_RATIOS, 'input.aspect_ratio', '16:9');
	} else {
		if (raw.aspect_ratio !== undefined) fail('input.aspect_ratio is only for text-to-video');
		if (raw.image_urls === undefined) fail('input.image_urls is required for image-to-video');
		input.image_urls = checkImageUrls(raw.image_urls);
	}
	if (raw.negative_prompt !== undefined) {
		input.negative_prompt = checkText(raw.negative_prompt, 'input.negative_prompt', 0);
	}
	if (raw.cfg_scale !== undefined) input.cfg_scale = checkCfgScale(raw.cfg_scale);
	return input;
}

function checkSubmission(body: unknown): Submission {
	if (!isObject(body)) fail('the body must be a JSON object');
	const request_type = oneOf(body.request_type, REQUEST_TYPES, 'request_type', 'async');
	const submission: Submission = {
		request_type,
		provider: oneOf(body.provider, PROVIDERS, 'provider', 'auto'),
		input: checkInput(body.input),
	};
	if (request_type === 'callback') {
		if (body.callback_url === undefined) fail('callback_url is required when request_type is callback');
		if (!isHttpUrl(body.callback_url)) fail('callback_url must be an http(s) URL');
		submission.callback_url = body.callback_url;
	}
	return submission;
}

export function validateSubmission(body: unknown): ValidationResult {
	try {
		return { ok: true, submission: checkSubmission(body) };
	} catch (error) {
		if (error instanceof InvalidField) return { ok: false, error: error.message };
		throw error;
	}
}
