/** Stops everything globalSetup started (by PID); with E2E_KEEP=1 leaves it running for a look (Ctrl-C later). */
export default async function globalTeardown(): Promise<void> {
	const environment = globalThis.__E2E_ENVIRONMENT__;
	if (!environment) return;
	if (process.env.E2E_KEEP === '1') {
		process.stderr.write(`\nE2E_KEEP=1: n8n stays up at ${environment.state.editorUrl} until this process is stopped\n`);
		await new Promise(() => undefined);
	}
	await environment.stop();
	globalThis.__E2E_ENVIRONMENT__ = undefined;
}
