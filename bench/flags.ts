/**
 * The command-line flags of both benchmarks: `npm run bench` (run.ts) and the Kling Trigger bursts alone
 * (triggerBurst.ts). Both take --no-build, --out DIR and --report-only.
 */
import { join, resolve } from 'node:path';
import type { Mode as EnvironmentMode } from '../scripts/e2e/environment';
import { MODES, type EnvMode, type Mode, type TimingName, type Variant } from './settings';

interface CommonFlags {
	build: boolean;
	out: string;
	/** Measure nothing: write the Markdown again from <out>'s JSON. */
	reportOnly?: boolean;
}

/** One handler per flag; `value()` takes the argument after the flag. Anything else is refused. */
type Handlers = Record<string, (value: () => string) => void>;

function parse(argv: string[], handlers: Handlers): void {
	for (let index = 0; index < argv.length; index++) {
		const arg = argv[index];
		if (!Object.prototype.hasOwnProperty.call(handlers, arg)) throw new Error(`unknown argument ${arg}`);
		handlers[arg](() => argv[++index]);
	}
}

function common(flags: CommonFlags): Handlers {
	return {
		'--no-build': () => (flags.build = false),
		'--out': (value) => (flags.out = resolve(value())),
		'--report-only': () => (flags.reportOnly = true),
	};
}

const numbers = (text: string) => text.split(',').map(Number);

// ---------------------------------------------------------------------------------------------------------------
// npm run bench

export interface BenchFlags extends CommonFlags {
	quick: boolean;
	stockMax: number;
	callbackMax: number;
	/** Run only the callback-load measurement (floor and paced resumes). */
	loadOnly: boolean;
	load: boolean;
	loadRates: number[];
	loadSeconds: number;
	/**
	 * --env-mode queue|scaled with --load-only (results/capacity-<mode>.*): resumes of the stock Wait node (n8n's own
	 * resume) at this rate, and the rates of the series sent to one webhook process directly until n8n's database ping fails.
	 */
	floorRate: number;
	pingRates: number[];
	/** Only batches: these sizes, these modes (into results/batch.*, or batch-<timing>-<mode>.* with the two below). */
	batchOnly: boolean;
	sizes?: number[];
	modes: Mode[];
	/** --spread, --real-timing (batches only): settings.ts TIMINGS; default compressed. */
	timing: TimingName;
	/**
	 * --env-mode queue: main, worker and webhook process with Redis and PostgreSQL (batches or callback load); scaled: 2
	 * workers and 2 webhook processes behind a load balancer (callback load only); default single.
	 */
	envMode: EnvMode;
	/** Kling Trigger bursts (trigger/): run after the rest, or alone (into results/trigger.*). */
	trigger: boolean;
	triggerOnly: boolean;
	triggerSizes: number[];
	triggerModes: EnvironmentMode[];
	/** Measure nothing: evaluate <out>/latest.json again and write latest.md (after a change to the targets' rules). */
	reportOnly?: boolean;
}

export function parseBenchFlags(argv: string[], repoDir: string): BenchFlags {
	const quick = argv.includes('--quick');
	const flags: BenchFlags = {
		build: true,
		quick: false,
		out: join(repoDir, 'bench', 'results'),
		stockMax: 1000,
		callbackMax: quick ? 10 : 1000,
		loadOnly: false,
		load: true,
		loadRates: [1, 2, 4, 8],
		loadSeconds: 10,
		floorRate: 4,
		pingRates: [8, 16, 24, 32, 48],
		batchOnly: false,
		modes: MODES,
		timing: 'compressed',
		envMode: 'single',
		trigger: true,
		triggerOnly: false,
		triggerSizes: quick ? [200] : [200, 1000],
		triggerModes: quick ? ['single'] : ['single', 'queue'],
	};
	parse(argv, {
		...common(flags),
		'--quick': () => (flags.quick = true),
		'--stock-max': (value) => (flags.stockMax = Number(value())),
		'--callback-max': (value) => (flags.callbackMax = Number(value())),
		'--load-only': () => (flags.loadOnly = true),
		'--batch-only': () => (flags.batchOnly = true),
		'--sizes': (value) => (flags.sizes = numbers(value())),
		'--modes': (value) => (flags.modes = value().split(',') as Mode[]),
		'--real-timing': () => (flags.timing = 'real'),
		// Implied by --real-timing (whose spread is 30–45 s): --spread alone is the same spread at the compressed scale.
		'--spread': () => (flags.timing = flags.timing === 'real' ? 'real' : 'spread'),
		'--env-mode': (value) => {
			const mode = value();
			if (mode !== 'single' && mode !== 'queue' && mode !== 'scaled') throw new Error(`--env-mode ${mode}: single, queue or scaled`);
			flags.envMode = mode;
		},
		'--no-load': () => (flags.load = false),
		'--load-rates': (value) => (flags.loadRates = numbers(value())),
		'--load-seconds': (value) => (flags.loadSeconds = Number(value())),
		'--floor-rate': (value) => (flags.floorRate = Number(value())),
		'--ping-rates': (value) => (flags.pingRates = numbers(value())),
		'--trigger-only': () => (flags.triggerOnly = true),
		'--no-trigger': () => (flags.trigger = false),
		'--trigger-sizes': (value) => (flags.triggerSizes = numbers(value())),
		'--trigger-modes': (value) => (flags.triggerModes = value().split(',') as EnvironmentMode[]),
	});
	if (flags.timing !== 'compressed' && !flags.batchOnly) throw new Error('--real-timing and --spread measure batches only: add --batch-only');
	if (flags.envMode === 'queue' && !flags.batchOnly && !flags.loadOnly) throw new Error('--env-mode queue: add --batch-only or --load-only');
	if (flags.envMode === 'scaled' && !flags.loadOnly) throw new Error('--env-mode scaled measures the callback load only: add --load-only');
	return flags;
}

/**
 * The results file (without .json/.md) a run with these flags writes and --report-only reads: latest, quick, load,
 * capacity-<mode> (the callback load in queue or scaled mode), batch (compressed timing, one process), or
 * batch-<timing>-<mode> (e.g. batch-real-queue).
 */
export function resultsName(flags: BenchFlags): string {
	if (flags.quick) return 'quick';
	if (flags.loadOnly) return flags.envMode === 'single' ? 'load' : `capacity-${flags.envMode}`;
	if (!flags.batchOnly) return 'latest';
	return flags.timing === 'compressed' && flags.envMode === 'single' ? 'batch' : `batch-${flags.timing}-${flags.envMode}`;
}

// ---------------------------------------------------------------------------------------------------------------
// The Kling Trigger bursts

export interface TriggerFlags extends CommonFlags {
	sizes: number[];
	modes: EnvironmentMode[];
	variants: Variant[];
	retryScale: number;
	n8nVersion?: string;
	profile: boolean;
	/** Measure nothing: write trigger.md again from <out>/trigger.json (after a change to the report). */
	reportOnly?: boolean;
}

/** The bursts `npm run bench` measures: n8n's floor and the trigger as users run it, at APIXO's own redelivery delays. */
export function standardTriggerBench(sizes: number[], modes: EnvironmentMode[], build: boolean): Omit<TriggerFlags, 'out'> {
	return { build, sizes, modes, variants: ['refused', 'verify'], retryScale: 1, profile: false };
}

export function parseTriggerFlags(argv: string[], repoDir: string): TriggerFlags {
	const flags: TriggerFlags = { ...standardTriggerBench([200, 1000], ['single', 'queue'], true), out: join(repoDir, 'bench', 'results') };
	parse(argv, {
		...common(flags),
		'--sizes': (value) => (flags.sizes = numbers(value())),
		'--modes': (value) => (flags.modes = value().split(',') as EnvironmentMode[]),
		'--variants': (value) => (flags.variants = value().split(',') as Variant[]),
		'--retry-scale': (value) => (flags.retryScale = Number(value())),
		'--profile': () => (flags.profile = true),
		'--n8n-version': (value) => (flags.n8nVersion = value()),
	});
	return flags;
}
