/**
 * What both benchmarks run with: the main bench's time scale, task durations and workflows (bench/workflows/),
 * its timings (compressed, spread, real), and the trigger bench's workflows and APIXO's delivery schedule.
 */

export const TIME_SCALE = 0.1;
/** APIXO's rate limit, enforced by the simulator and the node's default budget. */
export const RATE_LIMIT_PER_MINUTE = 10_000;
/** Every batch task takes this long (37.5 s at real scale, in APIXO's 30–45 s for a 5 s video). */
export const BATCH_TASK_MS = 3750;
/** Latency tasks: uniform in 3–4.5 s (30–45 s at real scale), the same seeded list for every mode. */
export const LATENCY_TASK_MS: [number, number] = [3000, 4500];
/** Single-item executions for the latency runs start this far apart (a few overlap, as in real use). */
export const LATENCY_GAP_MS = 750;
export const DOWNLOAD_BYTES = 100 * 1024 * 1024;
/** APIXO: a receiver has 30 s to answer 200; then the callback is delivered again after 30, 60 and 120 s. */
export const ANSWER_TIMEOUT_MS = 30_000;
export const RETRY_DELAYS_MS = [30_000, 60_000, 120_000];

/**
 * The main bench's timings. `compressed` (the default): time scaled by 0.1, every batch task 3.75 s. `spread`: the
 * same scale, batch tasks 3–4.5 s from a seeded generator, like real videos ten times faster. `real`: APIXO's own
 * timing — the simulator at scale 1, batch tasks 30–45 s (a 5 s video), the node waiting 30 s and then reading every
 * 5 s as APIXO advises. In every timing the simulator redelivers callbacks after APIXO's 30, 60 and 120 s
 * (RETRY_DELAYS_MS) times the scale, a receiver has APIXO's 30 s to answer, and the rate limit is not scaled.
 */
export type TimingName = 'compressed' | 'spread' | 'real';

export interface Timing {
	name: TimingName;
	/** The simulator's timeScale: multiplies its default task durations and callback redelivery delays. */
	timeScale: number;
	/** The node's Initial Delay and Poll Interval (APIXO's 30 s and 5 s × timeScale); the stock loop waits the same. */
	initialDelayS: number;
	pollIntervalS: number;
	/** Batch tasks: every one this long, or uniform in [min, max] from a generator seeded by N (the same tasks for every mode). */
	batchTaskMs: number | [number, number];
	/** A batch not ended after this long is stopped (and reported as not finished). */
	stopAfterMs: (n: number) => number;
}

export const TIMINGS: Record<TimingName, Timing> = {
	compressed: {
		name: 'compressed',
		timeScale: TIME_SCALE,
		initialDelayS: 3,
		pollIntervalS: 0.5,
		batchTaskMs: BATCH_TASK_MS,
		stopAfterMs: (n) => (n >= 1000 ? 300_000 : 180_000),
	},
	spread: {
		name: 'spread',
		timeScale: TIME_SCALE,
		initialDelayS: 3,
		pollIntervalS: 0.5,
		batchTaskMs: LATENCY_TASK_MS,
		stopAfterMs: (n) => (n >= 1000 ? 300_000 : 180_000),
	},
	// 240 s: the slowest 45 s video, a callback refused before the pause and delivered again 30 s later, and the
	// resume, with room to spare; 180 s (the compressed limit) would leave a slow machine little.
	real: {
		name: 'real',
		timeScale: 1,
		initialDelayS: 30,
		pollIntervalS: 5,
		batchTaskMs: [30_000, 45_000],
		stopAfterMs: (n) => (n >= 1000 ? 300_000 : 240_000),
	},
};

/**
 * The environment the main bench runs in (scripts/e2e/environment.ts): one n8n, queue mode (main, worker and webhook
 * process), or scaled (main, 2 workers and 2 webhook processes behind a round-robin load balancer; callback load only).
 */
export type EnvMode = 'single' | 'queue' | 'scaled';

export type Mode = 'poll' | 'callback' | 'stock';
export const MODES: Mode[] = ['poll', 'callback', 'stock'];
/** The production webhook path of each workflow in bench/workflows/ (stockWait: n8n's own resume, the capacity floor). */
export const PATHS: Record<Mode | 'download' | 'stockWait', string> = {
	poll: 'bench-poll',
	callback: 'bench-callback',
	stock: 'bench-stock',
	download: 'bench-download',
	stockWait: 'bench-stock-wait',
};

// ---------------------------------------------------------------------------------------------------------------
// Kling Trigger bursts

export const TRIGGER_TOKEN = 'bench-trigger-token';

/**
 * The trigger configurations measured: the default (verified with APIXO), for comparison unverified, and n8n's
 * floor: every callback sent without the token, so the node refuses it (401) before it does anything else and
 * nothing starts — what n8n itself spends on reaching a community trigger's webhook() (loading the workflow, its
 * expression isolate), delivered once each.
 */
export type Variant = 'verify' | 'noverify' | 'refused';
export const VARIANTS: Record<Variant, { id: string; path: string; verifyWithApi: boolean }> = {
	verify: { id: 'benchTriggerVer1', path: 'bench-trigger-verify', verifyWithApi: true },
	noverify: { id: 'benchTriggerNoV1', path: 'bench-trigger-noverify', verifyWithApi: false },
	refused: { id: 'benchTriggerRef1', path: 'bench-trigger-refused', verifyWithApi: true },
};
