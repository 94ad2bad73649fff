/**
 * Starts the environment once for the whole e2e run (E2E_MODE=single, the default, or queue; E2E_N8N_VERSION,
 * default the first of scripts/n8n-versions.txt): the test workflows and every example are imported, the test
 * workflows published. Tests reach it through .e2e/<mode>-n8n-<version>/state.json; globalTeardown stops it.
 */
import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startEnvironment, type Environment } from '../../../scripts/e2e/environment';
import { mode, n8nVersion, repoDir, runDir } from '../harness/client';
import { testWorkflows, writeWorkflows } from '../harness/workflows';

declare global {
	var __E2E_ENVIRONMENT__: Environment | undefined;
}

export default async function globalSetup(): Promise<void> {
	const workflowsDir = `${runDir}-workflows`;
	writeWorkflows(
		workflowsDir,
		Object.values(testWorkflows).map((each) => each.workflow),
	);
	const examplesDir = join(repoDir, 'examples');
	for (const file of readdirSync(examplesDir).filter((name) => name.endsWith('.json'))) {
		copyFileSync(join(examplesDir, file), join(workflowsDir, `example-${file}`));
	}
	process.stderr.write('\n');
	const environment = await startEnvironment({
		mode,
		n8nVersion,
		repoDir,
		runDir,
		workflowsDir,
		simulator: { timeScale: Number(process.env.E2E_TIME_SCALE ?? 0.05) },
		build: process.env.E2E_NO_BUILD !== '1',
		dropMissingNodes: process.env.E2E_DROP_MISSING_NODES === '1',
		control: true,
	});
	globalThis.__E2E_ENVIRONMENT__ = environment;
	process.env.E2E_STATE = join(runDir, 'state.json');
	process.env.E2E_N8N_VERSION = n8nVersion;
	// Ctrl-C during the run: stop what was started before jest exits.
	for (const signal of ['SIGINT', 'SIGTERM'] as const) {
		process.once(signal, () => {
			environment.stop().finally(() => process.exit(130));
		});
	}
}
