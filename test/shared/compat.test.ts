/** What the nodes take from n8n where versions differ: the execution's time limit, custom data, the tool check. */
import type { IExecuteFunctions } from 'n8n-workflow';

import { executionDeadline, nativeExecutionStore, runsAsAgentTool } from '../../nodes/shared/compat';

const as = (value: object) => value as unknown as IExecuteFunctions;

describe('n8n across versions', () => {
	test('the time limit n8n set for the execution, where it set one', () => {
		expect(executionDeadline(as({ additionalData: { executionTimeoutTimestamp: 1_700_000_000_000 } }))).toBe(1_700_000_000_000);
		expect(executionDeadline(as({ additionalData: {} }))).toBeUndefined();
		expect(executionDeadline(as({}))).toBeUndefined();
	});

	test('custom data where the context has it; none where reading it throws (no execution data)', () => {
		const store = { get: () => undefined, set: () => undefined };
		expect(nativeExecutionStore(as({ customData: store }))).toBe(store);
		const throwing = Object.defineProperty({}, 'customData', {
			get: () => {
				throw new Error('Cannot access customData');
			},
		});
		expect(nativeExecutionStore(as(throwing))).toBeUndefined();
	});

	test('a node run as an AI Agent\'s tool is known by its type name', () => {
		expect(runsAsAgentTool(as({ getNode: () => ({ type: 'n8n-nodes-apixo-kling.klingTool' }) }))).toBe(true);
		expect(runsAsAgentTool(as({ getNode: () => ({ type: 'n8n-nodes-apixo-kling.kling' }) }))).toBe(false);
	});
});
