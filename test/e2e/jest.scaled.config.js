/**
 * The e2e tests on the `scaled` topology (scripts/e2e/run-tests.sh scaled): queue mode as operators deploy it —
 * n8n main + 2 workers + 2 webhook processes behind a round-robin load balancer, each process on its own user
 * folder with the package installed there, binary data in n8n's queue-mode default. Runs the queue scenarios
 * (queue.test.ts). scaled.test.ts (the Kling Trigger's once-per-task across webhook processes) runs only when
 * E2E_ONCE_PER_TASK=1 or when named on the command line: it documents a known gap and fails today.
 */
const base = require('../../jest.e2e.config.js');

const named = process.argv.slice(2).some((arg) => /scaled(\.test)?(\.ts)?$/.test(arg));
const tests = ['queue', ...(process.env.E2E_ONCE_PER_TASK === '1' || named ? ['scaled'] : [])];

module.exports = {
	...base,
	rootDir: '../..',
	testPathIgnorePatterns: ['/node_modules/'],
	testMatch: tests.map((name) => `<rootDir>/test/e2e/${name}.test.ts`),
};
