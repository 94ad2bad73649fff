/**
 * What both benchmarks run with: the main bench's time scale, task durations and workflows (bench/workflows/),
 * and the trigger bench's workflows and APIXO's delivery schedule.
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

export type Mode = 'poll' | 'callback' | 'stock';
export const MODES: Mode[] = ['poll', 'callback', 'stock'];
/** The production webhook path of each workflow in bench/workflows/. */
export const PATHS: Record<Mode | 'download', string> = {
	poll: 'bench-poll',
	callback: 'bench-callback',
	stock: 'bench-stock',
	download: 'bench-download',
};

// ---------------------------------------------------------------------------------------------------------------
// Kling Trigger bursts

/** APIXO: a receiver has 30 s to answer 200; then the callback is delivered again after 30, 60 and 120 s. */
export const ANSWER_TIMEOUT_MS = 30_000;
export const RETRY_DELAYS_MS = [30_000, 60_000, 120_000];
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
