/**
 * Starts the environment and keeps it up until Ctrl-C (or SIGTERM), then stops everything it started:
 *   node build/scripts/e2e/cli.js [--mode single|queue|scaled] [--run-dir DIR] [--workflows DIR] [--publish ID,ID]
 *     [--time-scale X] [--no-build] [--drop-missing-nodes] [--editor-port N] [--keep-files]
 * --editor-port: the editor on that port when it is free, else on the first free of the 20 ports from N+2 (N+1 is
 * n8n's default task-broker port), else on any; --keep-files: the run folder's files/ survives the next start.
 * With APIXO_API_KEY set (and optionally APIXO_BASE_URL) the credential points at the real API and no
 * simulator runs. Prints the URLs and the state file's path; scripts/e2e/n8n-env.sh wraps it.
 */
import { join, resolve } from 'node:path';
import { startEnvironment, type Mode } from './environment';

function parse(argv: string[]) {
	const flags: Record<string, string | true> = {};
	for (let index = 0; index < argv.length; index++) {
		const arg = argv[index];
		if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
		const [key, inline] = arg.slice(2).split('=', 2);
		if (inline !== undefined) flags[key] = inline;
		else if (argv[index + 1] !== undefined && !argv[index + 1].startsWith('--')) flags[key] = argv[++index];
		else flags[key] = true;
	}
	return flags;
}

async function main(): Promise<void> {
	const flags = parse(process.argv.slice(2));
	const repoDir = resolve(__dirname, '..', '..', '..');
	const mode = (flags.mode ?? 'single') as Mode;
	if (!['single', 'queue', 'scaled'].includes(mode)) throw new Error('--mode is single, queue or scaled');
	const apiKey = process.env.APIXO_API_KEY;
	const wantedPort = flags['editor-port'] !== undefined ? Number(flags['editor-port']) : undefined;
	if (wantedPort !== undefined && !(Number.isInteger(wantedPort) && wantedPort > 0 && wantedPort < 65_535)) throw new Error('--editor-port is a port number');
	const editorPorts = wantedPort === undefined ? undefined : [wantedPort, ...Array.from({ length: 20 }, (_, index) => wantedPort + 2 + index)];
	const keepFiles = flags['keep-files'] === true;
	const environment = await startEnvironment({
		mode,
		repoDir,
		runDir: typeof flags['run-dir'] === 'string' ? flags['run-dir'] : join(repoDir, '.e2e', `dev-${mode}`),
		workflowsDir: typeof flags.workflows === 'string' ? flags.workflows : undefined,
		publish: typeof flags.publish === 'string' ? flags.publish.split(',').filter(Boolean) : undefined,
		apixo: apiKey ? { apiKey, baseUrl: process.env.APIXO_BASE_URL ?? 'https://api.apixo.ai' } : undefined,
		simulator: { timeScale: flags['time-scale'] !== undefined ? Number(flags['time-scale']) : undefined },
		build: flags['no-build'] !== true,
		dropMissingNodes: flags['drop-missing-nodes'] === true || process.env.E2E_DROP_MISSING_NODES === '1',
		control: true,
		keepFiles,
		editorPorts,
	});
	const { state } = environment;
	const editorPort = Number(new URL(state.editorUrl).port);
	process.stdout.write(
		[
			'',
			`n8n ${state.n8nVersion} (${state.mode}) is running.`,
			`  Editor:   ${state.editorUrl}   (owner e2e@example.com / E2e-Tests-Passw0rd)`,
			...(wantedPort !== undefined && editorPort !== wantedPort ? [`            port ${wantedPort} is in use, so the editor is on ${editorPort} this time`] : []),
			`  Webhooks: ${state.webhookUrl}webhook/<path>`,
			state.simulatorUrl ? `  APIXO simulator: ${state.simulatorUrl}  (credential "${state.credential.name}")` : '  APIXO: the real API',
			`  State: ${join(state.runDir, 'state.json')}   Logs: ${join(state.runDir, 'logs')}`,
			`  Files:    ${state.filesFolder}   (the only folder file nodes may use${keepFiles ? '; kept from one start to the next' : ''})`,
			...(Object.keys(state.workflows).length
				? [
						'Workflows imported (open one in the editor and click "Execute workflow"):',
						...Object.entries(state.workflows).map(([id, name]) => `  ${name}   ${state.editorUrl}workflow/${id}`),
					]
				: []),
			'Ctrl-C stops everything started here.',
			'',
		].join('\n'),
	);
	let stopping = false;
	const stop = (signal: string) => {
		if (stopping) return;
		stopping = true;
		process.stderr.write(`\n${signal}: stopping…\n`);
		environment.stop().then(
			() => process.exit(0),
			(error: Error) => {
				process.stderr.write(`${error.message}\n`);
				process.exit(1);
			},
		);
	};
	process.on('SIGINT', () => stop('SIGINT'));
	process.on('SIGTERM', () => stop('SIGTERM'));
	// A closed terminal: n8n runs in its own process groups and would outlive this process.
	process.on('SIGHUP', () => stop('SIGHUP'));
}

main().catch((error: Error) => {
	process.stderr.write(`${process.env.E2E_DEBUG ? error.stack : error.message}\n`);
	process.exit(1);
});
