/**
 * The e2e tests on the `scaled` topology (scripts/e2e/run-tests.sh scaled): queue mode as operators deploy it —
 * n8n main + 2 workers + 2 webhook processes behind a round-robin load balancer, each process on its own user
 * folder with the package installed there, binary data in n8n's queue-mode default. Runs the queue scenarios
 * (queue.test.ts), the Kling Trigger's redelivery to the other webhook process (triggerAcrossProcesses.test.ts),
 * Download Video with binary data in the database (queueDownloads.test.ts), and the fault scenarios (queueFaults.test.ts).
 */
const base = require('../../jest.e2e.config.js');

module.exports = {
	...base,
	rootDir: '../..',
	testPathIgnorePatterns: ['/node_modules/'],
	testMatch: [
		'<rootDir>/test/e2e/queue.test.ts',
		'<rootDir>/test/e2e/triggerAcrossProcesses.test.ts',
		'<rootDir>/test/e2e/queueDownloads.test.ts',
		'<rootDir>/test/e2e/queueFaults.test.ts',
	],
};
