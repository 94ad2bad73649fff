/**
 * Browser test of the n8n editor: headless Debian Chromium (playwright-core) against a real n8n 2.41 with this
 * package installed (scripts/e2e/environment.ts, single mode). The test file is named *.browser.ts so the unit
 * run (jest.config.js, *.test.ts) never picks it up. Run through `npm run test:browser`, which installs
 * Chromium first (scripts/browser/install-chromium.sh).
 */
module.exports = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	roots: ['<rootDir>/test/browser'],
	testMatch: ['**/*.browser.ts'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
	// Each test is a few steps in one page; the environment's start (beforeAll) has its own, longer timeout.
	testTimeout: 120000,
	maxWorkers: 1,
	verbose: true,
};
