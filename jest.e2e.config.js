/**
 * End-to-end tests: the packed package installed as a community package in a real n8n, driven over HTTP against
 * the APIXO simulator. E2E_N8N_VERSION picks the n8n (default: the first line of scripts/n8n-versions.txt, which
 * also names the Node it runs on). E2E_MODE=single (default) runs one n8n; E2E_MODE=queue runs Redis,
 * PostgreSQL, n8n main + worker + webhook. One environment per run (globalSetup), tests in band: they share the
 * simulator's fault queue and counters.
 */
const mode = process.env.E2E_MODE === 'queue' ? 'queue' : 'single';
/** Which scenarios each mode runs: the ones about one n8n process, or about the cluster; both run the rest. */
const onlyIn = { single: ['examples', 'generate', 'agent'], queue: ['queue'] };
const other = mode === 'queue' ? 'single' : 'queue';

module.exports = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	roots: ['<rootDir>/test/e2e'],
	testMatch: ['**/*.test.ts'],
	// queueDownloads, queueFaults and triggerAcrossProcesses run in the scaled topology only (test/e2e/jest.scaled.config.js).
	testPathIgnorePatterns: [
		'/node_modules/',
		'/test/e2e/queueDownloads\\.test\\.ts$',
		'/test/e2e/queueFaults\\.test\\.ts$',
		'/test/e2e/triggerAcrossProcesses\\.test\\.ts$',
		...onlyIn[other].map((name) => `/test/e2e/${name}\\.test\\.ts$`),
	],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
	globalSetup: '<rootDir>/test/e2e/setup/globalSetup.ts',
	globalTeardown: '<rootDir>/test/e2e/setup/globalTeardown.ts',
	testTimeout: 240000,
	maxWorkers: 1,
	verbose: true,
};
