/**
 * What both benchmarks' command lines share: their log lines, their exit on a signal or a failure, the
 * environment they measure in, and how they write their results (<name>.json and <name>.md).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEnvironment, type Environment, type EnvironmentOptions } from '../../scripts/e2e/environment';

/** Progress lines on stderr, e.g. "[bench 12:00:00] …". */
export function logger(prefix: string): (line: string) => void {
	return (line: string) => process.stderr.write(`[${prefix} ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

/** Ctrl-C or a kill: exit, so that the environment's exit hook stops every process it started. */
export function stopOnSignals(): void {
	for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
}

/** Runs a benchmark's main: exit code 0 when it ends, 1 only when the harness itself breaks. */
export function runMain(name: string, main: () => Promise<void>): void {
	main().then(
		() => process.exit(0),
		(error: Error) => {
			process.stderr.write(`${name}: the harness failed: ${error.stack ?? error.message}\n`);
			process.exit(1);
		},
	);
}

/** Starts an environment, runs `work` in it and stops everything it started, whatever happens. */
export async function withEnvironment<T>(options: EnvironmentOptions, work: (env: Environment) => Promise<T>): Promise<T> {
	const env = await startEnvironment(options);
	try {
		return await work(env);
	} finally {
		await env.stop();
	}
}

/** Writes <out>/<name>.json, then <out>/<name>.md rendered from the same results; returns the JSON file's path. */
export function writeResults<T>(out: string, name: string, results: T, render: (results: T) => string): string {
	mkdirSync(out, { recursive: true });
	const json = join(out, `${name}.json`);
	writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
	writeFileSync(join(out, `${name}.md`), render(results));
	return json;
}
