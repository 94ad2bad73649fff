import { startSimulator, type Simulator, type SimulatorOptions } from '../simulator';
import { SECRET_KEY } from './fixtures';

/**
 * One simulator for the whole test file, started before its first test, reset around each test (`reset`) and
 * closed after the last. What it returns stands for the simulator once started: `sim.url`, `sim.stats()`.
 */
export function useSimulator(options: SimulatorOptions, reset: 'beforeEach' | 'afterEach' = 'afterEach'): Simulator {
	let started: Simulator | undefined;
	beforeAll(async () => {
		started = await startSimulator(options);
	});
	if (reset === 'beforeEach') beforeEach(() => running().reset());
	else afterEach(() => running().reset());
	afterAll(async () => await running().close());

	function running(): Simulator {
		if (!started) throw new Error('The simulator is used before beforeAll started it');
		return started;
	}
	return new Proxy({} as Simulator, {
		get: (_, property) => {
			const value = running()[property as keyof Simulator] as unknown;
			return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(running()) : value;
		},
	});
}

/** The credential of the Kling node for the simulator, with the test key. */
export function apiOf(sim: Simulator): () => { baseUrl: string; apiKey: string } {
	return () => ({ baseUrl: sim.url, apiKey: SECRET_KEY });
}
