/** The APIXO simulator (test/simulator, compiled to build/) as a process of the environment. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { http } from './http';
import { logTail, startProcess, waitFor, type Started } from './processes';

export interface SimulatorSettings {
	/** Multiplies the default 30–60 s task durations and callback retry delays; default 0.05. */
	timeScale?: number;
	/** Requests per minute per key the simulator enforces; default APIXO's 10,000. */
	rateLimit?: number;
	apiKey?: string;
}

export async function startSimulatorProcess(
	repoDir: string,
	runDir: string,
	port: number,
	nodePath: string,
	settings: SimulatorSettings = {},
): Promise<{ process: Started; url: string }> {
	const cli = join(repoDir, 'build', 'test', 'simulator', 'cli.js');
	if (!existsSync(cli)) throw new Error(`${cli} is missing: compile the tools first (npx tsc -p tsconfig.tools.json)`);
	const args = [cli, '--port', String(port), '--time-scale', String(settings.timeScale ?? 0.05), '--api-key', settings.apiKey ?? 'sim-key'];
	if (settings.rateLimit !== undefined) args.push('--rate-limit', String(settings.rateLimit));
	const simulator = startProcess(runDir, 'simulator', nodePath, args);
	const url = `http://127.0.0.1:${port}`;
	await waitFor(
		'the APIXO simulator to answer',
		async () => ((await http(`${url}/__sim/stats`, { timeoutMs: 2000 })).status === 200 ? true : undefined),
		{ timeoutMs: 20_000, intervalMs: 100, abortIf: () => (simulator.hasExited() ? `it exited:\n${logTail(simulator.logFile)}` : undefined) },
	);
	return { process: simulator, url };
}
