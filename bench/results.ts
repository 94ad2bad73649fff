/**
 * The shapes of the results files: bench/results/latest.json (and its subsets quick, load, batch), with the
 * callback load and the Kling Trigger bursts, which trigger.json holds on its own.
 */
import type { Mode as EnvironmentMode } from '../scripts/e2e/environment';
import type { SimulatorStats } from '../test/simulator/types';
import type { MeterReading } from './lib/meter';
import type { Summary } from './lib/stats';
import type { EnvMode, Mode, TimingName, Variant } from './settings';

export interface ScenarioCost {
	apiRequests: number;
	byEndpoint: SimulatorStats['requests'];
	responses429: number;
	callbackDeliveries: number;
	/** Distinct tasks with at least one callback delivery answered 200. */
	tasksWithCallbackAccepted: number;
	callbackAnswers: Record<string, number>;
	maxRequestsInAnyWindow: number;
	meter: MeterReading;
}

export interface LatencyResult {
	mode: Mode;
	samples: number;
	failed: number;
	/** Task end in the simulator (endedAt) → the workflow's output, ms. */
	latency: Summary;
	/** Wall-clock of the single-item executions (start → output), ms. */
	wall: Summary;
	requestsPerVideo: number;
	cost: ScenarioCost;
}

export interface BatchResult {
	mode: Mode;
	n: number;
	status: string;
	error?: string;
	timedOut: boolean;
	/** Execution start → output, ms (median of the repeats for N = 1). */
	wallMs?: number;
	repeats: number;
	/** Last task's end in the simulator → output, ms. */
	tailMs?: number;
	/** First to last submit accepted by the simulator, ms. */
	submitSpanMs?: number;
	tasksCreated: number;
	tasksEnded: number;
	requestsPerVideo: number;
	/** n8n main process CPU (utime + stime; queue mode: main + worker + webhook process) from the start until n8n is quiet again, per item. */
	cpuMainMsPerItem: number;
	/** n8n log lines: callbacks that found every task ended and tried to resume an execution another had resumed. */
	resumeConflicts: number;
	/** n8n log lines "Database ping failed" during the scenario (n8n's health check of SQLite timing out). */
	databasePingFailures: number;
	/** Callback mode: tasks none of whose callback deliveries n8n answered 200. */
	tasksWithoutAcceptedCallback: number;
	/** Submitted tasks by request_type ('callback' paused; 'async' polled, e.g. after the automatic switch). */
	requestTypes: Record<string, number>;
	/** Hints the Kling node added to the execution (e.g. why it polled instead of pausing). */
	hints: string[];
	cost: ScenarioCost;
	note?: string;
	/** Spread and real timing: the tasks' durations, shortest and longest (ms). */
	taskMsRange?: [number, number];
	/** Spread and real timing, callback mode: the n8n processes the tasks' callback_url pointed at (e.g. n8n-webhook in queue mode). */
	callbackTo?: string[];
	/**
	 * Spread and real timing, callback mode: deliveries APIXO still had due when the measurement stopped waiting
	 * (tasks never answered 200 are delivered 4 times in all; only the first redelivery is waited for).
	 */
	redeliveriesDue?: number;
	/**
	 * Spread and real timing, callback mode: every delivery in the order sent — the task (by submit order), its
	 * attempt, n8n's answer, and when it was sent and when that task ended, in seconds from the execution's start.
	 */
	deliveries?: Array<{ task: number; attempt: number; status: number; atS: number; taskEndedAtS?: number }>;
}

export interface RateLimitResult {
	n: number;
	status: string;
	error?: string;
	wallMs?: number;
	responses429: number;
	maxRequestsInAnyWindow: number;
	apiRequests: number;
	limitPerMinute: number;
	cost: ScenarioCost;
}

export interface MemoryRun {
	download: boolean;
	status: string;
	error?: string;
	items: number;
	itemsWithVideo: number;
	bytesStored: number;
	rssBeforeBytes: number;
	/** VmHWM after resetting it right before the run (undefined if the kernel refused the reset). */
	peakHwmBytes?: number;
	/** Highest VmRSS sampled every 50 ms. */
	peakSampledBytes: number;
	wallMs?: number;
	n8nCpuMs: number;
	simulatorCpuMs: number;
}

export interface Target {
	id: string;
	target: string;
	measured: string;
	pass: boolean;
	note: string;
}

export interface BenchResults {
	date: string;
	quick: boolean;
	durationS: number;
	machine: {
		cores: number;
		cpuModel: string;
		memoryBytes: number;
		load: { before: [number, number, number]; after: [number, number, number]; max1: number };
		/** Average cores kept busy by other processes over the measured scenarios. */
		otherCoresAverage: number;
		idleN8nCpuMsPerSecond: number;
	};
	versions: { node: string; n8n: string; package: string; commit: string };
	settings: {
		timeScale: number;
		nodeOptions: { initialDelayS: number; pollIntervalS: number; concurrency: number; requestsPerMinute: number };
		stockLoop: { firstWaitS: number; loopWaitS: number };
		/** Every batch task this long, or (spread and real timing) uniform in [min, max] seeded by N. */
		batchTaskMs: number | [number, number];
		/** Absent: compressed (the default). */
		timing?: TimingName;
		/** Absent: single (one n8n process). */
		environmentMode?: EnvMode;
		/** Spread and real timing: a batch is stopped after this long (N < 1,000). */
		batchStopAfterS?: number;
		/** Spread and real timing: the simulator's callback redelivery delays before scaling, and its answer timeout. */
		callbackRetryDelaysMs?: number[];
		callbackAnswerTimeoutMs?: number;
		/**
		 * The node's MAX_CALLBACK_ITEMS when measured: above it, Pause Until Callback polls by itself. The reports
		 * read it here, so that a changed limit does not rewrite what an earlier run measured.
		 */
		maxCallbackItems: number;
		latencyTaskMs: [number, number];
		latencySamplesPerMode: number;
		rateLimitPerMinute: number;
		binaryDataMode: string;
	};
	latency: LatencyResult[];
	batches: BatchResult[];
	rateLimit?: RateLimitResult;
	/** Callbacks per second one n8n process holds, and n8n's own work per callback (scenarios/callbackLoad.ts). */
	callbackLoad?: CallbackLoadResult;
	/** Kling Trigger: bursts of callbacks at once, single process and queue mode (trigger/). */
	triggerBurst?: TriggerBenchResults;
	memory: MemoryRun[];
	targets: Target[];
	findings: string[];
	notes: string[];
}

// ---------------------------------------------------------------------------------------------------------------
// The callback load (scenarios/callbackLoad.ts)

export interface FloorResult {
	itemsPerExecution: number;
	callbacks: number;
	answers: Record<string, number>;
	n8nCpuMsPerCallback: number;
	/** Median answer time of one callback (sent one after another, 2 at once). */
	answerMsMedian: number;
	wallMs: number;
	/** Queue and scaled mode: CPU per callback of each n8n process, ms. */
	cpuMsByProcess?: Record<string, number>;
}

export interface RateStep {
	ratePerSecond: number;
	callbacks: number;
	answers: Record<string, number>;
	answerMsMedian: number;
	answerMsMax: number;
	/** Executions ended in success / still not ended or failed, 60 s after the last callback at most. */
	succeeded: number;
	notSucceeded: number;
	logErrors: Record<string, number>;
	n8nCpuMsPerResume: number;
	/** First callback → every execution of the step ended. */
	drainMs: number;
	/** First callback sent → last answer received, ms (callbacks answered per second: callbacks / this). */
	answeredSpanMs?: number;
	/** Queue and scaled mode: CPU per resume of each n8n process, ms, and the log errors by process. */
	cpuMsByProcess?: Record<string, number>;
	logErrorsByProcess?: Record<string, Record<string, number>>;
	/** No error: every callback answered 200 (within APIXO's 30 s), every execution succeeded, no error in n8n's log. */
	clean: boolean;
	/** Clean, and n8n keeps up: the slowest answer within KEEP_UP_MS (a queue that grows at this rate would pass 30 s in a longer burst). */
	keepsUp: boolean;
}

export interface CallbackLoadResult {
	floor: FloorResult[];
	rates: RateStep[];
	/** Highest paced rate with no error at all. */
	maxCleanRatePerSecond?: number;
	/** Highest paced rate with no error and every answer within KEEP_UP_MS. */
	maxKeepUpRatePerSecond?: number;
	secondsPerStep: number;
	/** Queue and scaled mode (results/capacity-<mode>.*, scenarios/capacity.ts): the rows below. */
	shape?: CapacityShape;
	/** n8n's own resume in the same shape: a stock HTTP Request + Wait (On Webhook Call), paced at shape.floorRate. */
	stockWait?: RateStep;
	/** Resumes sent to one webhook process directly (past the balancer) at increasing rates until n8n's database ping fails. */
	pingSeries?: PingSeries;
}

export interface CapacityShape {
	mode: EnvMode;
	/** Where the rates series' callbacks went: the task's callback_url (the webhook process, or the load balancer). */
	callbacksTo: string;
	webhookProcesses: number;
	workers: number;
	workerConcurrency: number;
	/** DB_POSTGRESDB_POOL_SIZE of every n8n process. */
	databasePoolSize: string;
	floorRate: number;
}

export interface PingSeries {
	/** The webhook process every callback went to. */
	to: string;
	rates: RateStep[];
	/** The first rate (of this series, or of the rates series when it already went to that process) whose step had a "Database ping failed" line or a 503 answer. */
	firstFailureRate?: number;
	/** Queue mode: the rates series went to the only webhook process; this series starts above its highest rate, or is skipped. */
	note?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Kling Trigger bursts (trigger.json)

export interface BurstResult {
	mode: EnvironmentMode;
	variant: Variant;
	n: number;
	/** Answer time of the first delivery of each task, ms (a delivery not answered within 30 s counts as 30 s). */
	firstAnswer: Summary;
	/** From the burst to each task's 200 (retries and their delays included), ms; tasks never answered 200 left out. */
	timeTo200: Summary;
	/** Answers of all deliveries by HTTP status (0: none within 30 s, or a network error). */
	answers: Record<string, number>;
	deliveries: number;
	retries: number;
	/** Tasks answered 200 on their first delivery. */
	firstTime200: number;
	executionsStarted: number;
	executionsNotSucceeded: number;
	/** Tasks with more than one execution (and how many extra executions). */
	duplicateTasks: number;
	extraExecutions: number;
	/** Tasks with no execution at all once everything settled (queued or running ones count as started). */
	lostTasks: number;
	/** Executions not ended when the measurement stopped waiting (5 minutes after the last delivery). */
	executionsNotEnded: number;
	/** First delivery → the last execution of the burst ended, ms. */
	drainMs: number;
	/** CPU of the n8n processes that handled the burst (single: main; queue: main + webhook + worker), per callback. */
	n8nCpuMsPerCallback: number;
	simulatorCpuMsPerCallback: number;
	/** The highest resident memory of the process that answered the callbacks (single: main; queue: webhook), MB. */
	peakRssMb: number;
	/** Cores kept busy by other processes on the machine during the burst, on average. */
	otherCores: number;
	load1: number;
	/** With --profile: where the process that answered the callbacks spent its CPU (the profiler slows it down). */
	profile?: CpuBreakdown;
}

export interface TriggerBenchResults {
	date: string;
	durationS: number;
	machine: { cores: number; cpuModel: string; loadBefore: [number, number, number]; loadAfter: [number, number, number] };
	n8nVersion: string;
	retryScale: number;
	bursts: BurstResult[];
}

/** Where the answering process spent its CPU in a trigger burst (bench/trigger/profile.ts). */
export interface CpuBreakdown {
	totalMs: number;
	/** Self time by where the code lives, ms. */
	byArea: Record<string, number>;
	/** Time with these functions on the stack (each sample counted once per function), ms. */
	inclusive: Record<string, number>;
	/** The functions with the most self time. */
	top: Array<{ name: string; ms: number }>;
}
