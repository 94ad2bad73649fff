/**
 * Runs the stand-in chat model as its own process:
 *   node build/test/llm/cli.js [--port N] [--api-key K]
 * Prints one JSON line {"url": "http://127.0.0.1:<port>/v1"} once listening (the credential's Base URL) and nothing
 * else on stdout; exits on SIGTERM/SIGINT.
 */
import { startChatModel, type ChatModelOptions } from './server';

const USAGE = 'Usage: cli.js [--port N] [--api-key K]';

function parseArgs(args: string[]): ChatModelOptions {
	const options: ChatModelOptions = {};
	for (let index = 0; index < args.length; index++) {
		const flag = args[index];
		const value = args[++index];
		if (value === undefined) throw new Error(`${flag} needs a value`);
		if (flag === '--port' && /^\d+$/.test(value)) options.port = Number(value);
		else if (flag === '--api-key') options.apiKey = value;
		else throw new Error(`unknown option or bad value: ${flag} ${value}`);
	}
	return options;
}

async function main(): Promise<void> {
	let options: ChatModelOptions;
	try {
		options = parseArgs(process.argv.slice(2));
	} catch (error) {
		process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
		process.exit(2);
	}
	const model = await startChatModel(options);
	process.stdout.write(`${JSON.stringify({ url: model.url })}\n`);
	const stop = () => {
		model.close().then(
			() => process.exit(0),
			() => process.exit(1),
		);
	};
	process.once('SIGTERM', stop);
	process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
	process.stderr.write(`The stand-in chat model failed to start: ${(error as Error).message}\n`);
	process.exit(1);
});
