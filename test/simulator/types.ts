/** Shapes shared by the simulator's modules and its users (tests, benchmarks, the demo). */
import type { EventEmitter } from 'node:events';

export const MODEL = 'kling-2-5-turbo-pro';

export type TaskState = 'pending' | 'processing' | 'success' | 'failed' | (string & {});
export type RequestType = 'async' | 'callback';
export type Provider = 'auto' | 'value' | 'official';
export type Mode = 'text-to-video' | 'image-to-video';
export type AspectRatio = '16:9' | '9:16' | '1:1';

export interface RateLimit {
	limit: number;
	windowMs: number;
}

export interface SimulatorOptions {
	/** Default 0: an ephemeral port. The host is always 127.0.0.1. */
	port?: number;
	/** Accepted Bearer keys, default ['sim-key']. */
	apiKeys?: string[];
	/** Keys that authenticate but lack permission: every request with them gets 403. */
	forbiddenKeys?: string[];
	/** USD, default 100. */
	balance?: number;
	/** Multiplies default task durations and callback retry delays; default 1. */
	timeScale?: number;
	/** Sliding window per key; null turns limiting off. Default APIXO's 10,000 per minute. */
	rateLimit?: RateLimit | null;
	/** APIXO's documented 1,000 concurrent tasks per key; a submit beyond it gets 429. */
	maxConcurrentTasks?: number;
	/** Base of result URLs, default the server's own URL. */
	publicUrl?: string;
	/** Bytes of each result MP4, default 262144. */
	defaultFileSize?: number;
	/** A callback receiver must answer within this, default 30000 (APIXO's 30 s). */
	callbackTimeoutMs?: number;
	/** Delays before each retry of a callback, default [5000, 15000, 45000], multiplied by timeScale. */
	callbackRetryDelaysMs?: number[];
}

/** What can be changed while the simulator runs (POST /__sim/config, Simulator.configure). */
export interface SimulatorConfigChange {
	rateLimit?: RateLimit | null;
	timeScale?: number;
	balance?: number;
	maxConcurrentTasks?: number;
	defaultFileSize?: number;
	callbackTimeoutMs?: number;
	callbackRetryDelaysMs?: number[];
}

export type FaultEndpoint = 'generate' | 'status' | 'balance' | 'files' | 'any';
export type FaultStatus = 400 | 401 | 402 | 403 | 404 | 429 | 500 | 503;

export interface Fault {
	/** 'any' matches every /api/v1 request, not file downloads. */
	endpoint: FaultEndpoint;
	/** How many matching requests this fault takes, default 1. */
	count?: number;
	/** How many matching requests it lets through before it takes any, default 0. */
	after?: number;
	/** Answer with this status and an APIXO envelope instead of acting. */
	status?: FaultStatus;
	/** Seconds, sent as a Retry-After header. */
	retryAfter?: number;
	/**
	 * 'before': drop the connection without answering or acting.
	 * 'after-accept': act (a submit creates and bills a task), then drop the connection unanswered;
	 * on a file download: send the headers and half of the bytes, then drop.
	 */
	reset?: 'before' | 'after-accept';
	/** Replaces the response body (a string is sent as-is, anything else as JSON); status defaults to 200. */
	body?: unknown;
	/** The envelope's `message` with `status` (instead of the status's usual one), e.g. a 403 for content policy. */
	message?: string;
}

export interface SubmitInput {
	mode: Mode;
	prompt: string;
	duration: 5 | 10;
	aspect_ratio?: AspectRatio;
	image_urls?: string[];
	negative_prompt?: string;
	cfg_scale?: number;
}

export interface Submission {
	request_type: RequestType;
	callback_url?: string;
	provider: Provider;
	input: SubmitInput;
}

/** How a task will play out, fixed at submit from the defaults and the prompt's [sim:…] directives. */
export interface TaskPlan {
	durationMs: number;
	outcome: 'success' | 'failed';
	failCode?: string;
	failMsg?: string;
	/** Bytes of the result file. */
	size: number;
	/** Extra deliveries of the final callback after one was answered 200. */
	dup: number;
	/** false when [sim:nocallback] suppresses the callback. */
	callback: boolean;
	/** [sim:state=…]: the state reported instead of "processing" while the task runs. */
	runningState?: string;
}

export interface TaskRecord extends Submission {
	taskId: string;
	model: string;
	state: TaskState;
	/** ms epoch */
	createdAt: number;
	/** When the task leaves pending (already past, or planned). */
	processingAt: number;
	/** When the task is planned to end. */
	endsAt: number;
	/** When the task did end. */
	endedAt?: number;
	plan: TaskPlan;
	/** USD billed at submit. */
	cost: number;
	failCode?: string;
	failMsg?: string;
	resultUrl?: string;
}

/** The `data` of a status response and of a callback. */
export interface StatusData {
	taskId: string;
	state: TaskState;
	resultJson?: string;
	failCode?: string;
	failMsg?: string;
	createTime: number;
	completeTime?: number;
	costTime?: number;
}

export interface CallbackDelivery {
	taskId: string;
	url: string;
	/** 1 for the first delivery, 2–4 for retries, higher for [sim:dup] extras; 0 for Simulator.sendCallback. */
	attempt: number;
	/** HTTP status of the receiver's answer; 0 on a network error or timeout. */
	status: number;
	/** ms epoch when the POST was sent. */
	at: number;
	/** Why there was no answer, when status is 0. */
	error?: string;
}

export interface SimulatorStats {
	requests: { generate: number; status: number; balance: number; files: number; other: number };
	/** Counted by status code; connections dropped by a reset fault count under 'reset'. */
	responsesByStatus: Record<string, number>;
	/** 429s served by the limiter or by faults. */
	rateLimited: number;
	submitsAccepted: number;
	callbacks: CallbackDelivery[];
	/** Highest count of authenticated /api/v1 requests (rejected ones included) of one key inside any windowMs window. */
	maxRequestsInAnyWindow: number;
}

export interface SimulatorEvents {
	taskEnded: [task: TaskRecord];
	callback: [delivery: CallbackDelivery];
}

export interface SendCallbackOptions {
	/** Default: the task's callback_url. */
	url?: string;
	/** Overrides fields of the status data, to forge a callback. */
	data?: Record<string, unknown>;
}

export interface Simulator extends EventEmitter<SimulatorEvents> {
	/** http://127.0.0.1:<port> */
	readonly url: string;
	/** Stops the server, pending timers and callbacks. */
	close(): Promise<void>;
	/**
	 * Forgets tasks (stopping their timers and callbacks), faults, stats and rate-limit windows; the
	 * balance goes back to its starting value. Settings changed by configure() stay.
	 */
	reset(): void;
	injectFault(fault: Fault): void;
	/** Changes settings while running (the same as POST /__sim/config). */
	configure(change: SimulatorConfigChange): void;
	stats(): SimulatorStats;
	task(taskId: string): TaskRecord | undefined;
	tasks(): TaskRecord[];
	/** sha256 hex of the bytes GET /files/<taskId>.mp4 serves; throws unless the task succeeded. */
	fileSha256(taskId: string): string;
	/** Delivers (or forges) a callback now, once, without retries; recorded with attempt 0. */
	sendCallback(taskId: string, options?: SendCallbackOptions): Promise<{ status: number; body: string; error?: string }>;
	/** Resolves when at least `count` delivery attempts are recorded; rejects after timeoutMs (default 10 s). */
	waitForCallbacks(count: number, timeoutMs?: number): Promise<CallbackDelivery[]>;
	/** Ends a task immediately (default outcome: success); does nothing to a task that has ended. Throws for an unknown task. */
	completeNow(taskId: string, outcome?: 'success' | 'failed'): void;
}
