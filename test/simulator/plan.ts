/**
 * Decides at submit how a task will play out. Defaults follow APIXO's documented timing; `[sim:…]`
 * directives in the prompt override them per task, so any client (a real n8n included) can steer
 * the simulator without access to its control endpoints:
 *   [sim:ms=1500]                total duration in ms (not scaled by timeScale)
 *   [sim:fail=CONTENT_VIOLATION] end failed with that failCode ([sim:fail] alone: GENERATION_FAILED)
 *   [sim:size=104857600]         result file size in bytes
 *   [sim:dup=2]                  deliver the final callback 2 extra times even after a 200
 *   [sim:nocallback]             never deliver the callback
 *   [sim:state=processing_r2]    report this state instead of "processing" while the task runs (a state APIXO's
 *                                docs do not name, met in the wild)
 */
import type { SubmitInput, TaskPlan } from './types';

/** Human messages for the failCodes APIXO's docs name. */
export const FAIL_MESSAGES: Record<string, string> = {
	CONTENT_VIOLATION: 'The prompt or image violates the content policy.',
	NSFW_DETECTED: 'The generated content was flagged as NSFW.',
	PROMPT_TOO_LONG: 'The prompt is longer than the model accepts.',
	INVALID_PROMPT: 'The prompt could not be understood.',
	INVALID_IMAGE_URL: 'An image URL is invalid.',
	IMAGE_TOO_LARGE: 'An input image is larger than 10 MB.',
	UNSUPPORTED_FORMAT: 'An input image is not JPG, PNG or WebP.',
	IMAGE_DOWNLOAD_FAILED: 'An input image could not be downloaded.',
	PROCESSING_TIMEOUT: 'Generation took too long and was stopped.',
	MODEL_UNAVAILABLE: 'The model is temporarily unavailable.',
	GENERATION_FAILED: 'Video generation failed.',
	INSUFFICIENT_CREDITS: 'The account balance is too low for this task.',
};

export function failMessage(failCode: string): string {
	return FAIL_MESSAGES[failCode] ?? `Task failed (${failCode}).`;
}

/** Simulated prices in USD; the docs quoted for this project name none. */
export function taskCost(duration: 5 | 10): number {
	return duration === 10 ? 0.5 : 0.25;
}

/** Documented: a 5 s video takes about 30–45 s, a 10 s video about 45–60 s. */
function defaultDurationMs(duration: 5 | 10, timeScale: number): number {
	const [min, max] = duration === 10 ? [45_000, 60_000] : [30_000, 45_000];
	return Math.round((min + Math.random() * (max - min)) * timeScale);
}

/** Directive name → value ('' for flags such as [sim:nocallback]). */
export function parseDirectives(prompt: string): Map<string, string> {
	const directives = new Map<string, string>();
	for (const match of prompt.matchAll(/\[sim:([a-z]+)(?:=([^\]]*))?\]/gi)) {
		directives.set(match[1].toLowerCase(), (match[2] ?? '').trim());
	}
	return directives;
}

function nonNegativeInt(value: string | undefined): number | undefined {
	if (value === undefined || !/^\d+$/.test(value)) return undefined;
	return Number(value);
}

export interface PlanDefaults {
	timeScale: number;
	defaultFileSize: number;
}

export function planTask(input: SubmitInput, defaults: PlanDefaults): TaskPlan {
	const directives = parseDirectives(input.prompt);
	const failCode = directives.has('fail') ? directives.get('fail') || 'GENERATION_FAILED' : undefined;
	return {
		durationMs: nonNegativeInt(directives.get('ms')) ?? defaultDurationMs(input.duration, defaults.timeScale),
		outcome: failCode ? 'failed' : 'success',
		...(failCode && { failCode, failMsg: failMessage(failCode) }),
		size: nonNegativeInt(directives.get('size')) ?? defaults.defaultFileSize,
		dup: nonNegativeInt(directives.get('dup')) ?? 0,
		callback: !directives.has('nocallback'),
		...(directives.get('state') && { runningState: directives.get('state') }),
	};
}

/** When the balance cannot pay, the task is accepted but fails quickly, as the INSUFFICIENT_CREDITS failCode suggests. */
export function insufficientCreditsPlan(plan: TaskPlan, timeScale: number): TaskPlan {
	const failCode = 'INSUFFICIENT_CREDITS';
	return { ...plan, durationMs: Math.min(plan.durationMs, Math.round(2000 * timeScale)), outcome: 'failed', failCode, failMsg: failMessage(failCode) };
}
