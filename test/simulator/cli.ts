/**
 * Runs the simulator as its own process:
 *   node build/test/simulator/cli.js [--port N] [--time-scale X] [--rate-limit N] [--rate-window-ms N]
 *     [--api-key K]… [--forbidden-key K]… [--balance N] [--public-url U] [--file-size N]
 * Prints one JSON line {"url": "..."} once listening and nothing else on stdout; never prints keys.
 */
import { startSimulator } from './simulator';
import type { SimulatorOptions } from './types';

const USAGE =
	'Usage: cli.js [--port N] [--time-scale X] [--rate-limit N] [--rate-window-ms N] [--api-key K]... ' +
	'[--forbidden-key K]... [--balance N] [--public-url U] [--file-size N]';

function parseArgs(args: string[]): SimulatorOptions {
	const options: SimulatorOptions = {};
	let rateLimit: number | undefined;
	let rateWindowMs: number | undefined;
	for (let index = 0; index < args.length; index++) {
		const flag = args[index];
		if (flag === '--help' || flag === '-h') {
			process.stdout.write(`${USAGE}\n`);
			process.exit(0);
		}
		const value = args[++index];
		if (value === undefined) throw new Error(`${flag} needs a value`);
		const number = () => {
			const parsed = Number(value);
			if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`${flag} needs a non-negative number, got ${value}`);
			return parsed;
		};
		switch (flag) {
			case '--port':
				options.port = number();
				break;
			case '--time-scale':
				options.timeScale = number();
				break;
			case '--rate-limit':
				rateLimit = number();
				break;
			case '--rate-window-ms':
				rateWindowMs = number();
				break;
			case '--api-key':
				options.apiKeys = [...(options.apiKeys ?? []), value];
				break;
			case '--forbidden-key':
				options.forbiddenKeys = [...(options.forbiddenKeys ?? []), value];
				break;
			case '--balance':
				options.balance = number();
				break;
			case '--public-url':
				options.publicUrl = value;
				break;
			case '--file-size':
				options.defaultFileSize = number();
				break;
			default:
				throw new Error(`unknown option ${flag}`);
		}
	}
	if (rateLimit !== undefined || rateWindowMs !== undefined) {
		options.rateLimit = { limit: rateLimit ?? 10_000, windowMs: rateWindowMs ?? 60_000 };
	}
	return options;
}

async function main(): Promise<void> {
	let options: SimulatorOptions;
	try {
		options = parseArgs(process.argv.slice(2));
	} catch (error) {
		process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
		process.exit(2);
	}
	const simulator = await startSimulator(options);
	process.stdout.write(`${JSON.stringify({ url: simulator.url })}\n`);

	let stopping = false;
	const stop = () => {
		if (stopping) return;
		stopping = true;
		simulator.close().then(
			() => process.exit(0),
			() => process.exit(1),
		);
	};
	process.on('SIGTERM', stop);
	process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
	process.stderr.write(`APIXO simulator failed to start: ${(error as Error).message}\n`);
	process.exit(1);
});
