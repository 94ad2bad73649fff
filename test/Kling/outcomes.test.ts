/** Outcomes into the node's output: input order, pairing, and an error that names every task when the node stops. */
import type { INode } from 'n8n-workflow';

import { allTasksLine, toNodeOutput, type ItemOutcome } from '../../nodes/Kling/outcomes';

const node = { id: 'k', name: 'Kling', type: 'n8n-nodes-apixo-kling.kling', typeVersion: 1, position: [0, 0], parameters: {} } as INode;
const outcomes: ItemOutcome[] = [
	{ itemIndex: 2, error: 'Timed out after 1 min waiting for task t3 (last state: processing)', fields: { taskId: 't3', state: 'processing', timedOut: true } },
	{ itemIndex: 0, result: { taskId: 't1', state: 'success', videoUrl: 'https://cdn/t1.mp4' } },
	{ itemIndex: 1, error: 'Timed out after 1 min waiting for task t2 (last state: pending)', fields: { taskId: 't2', state: 'pending', timedOut: true } },
];

describe('the node\'s output', () => {
	test('with Continue On Fail: every item in input order, paired, failures as items that keep the task', () => {
		const output = toNodeOutput(node, outcomes, true);
		expect(output.map((item) => [item.pairedItem, item.json.taskId])).toEqual([
			[{ item: 0 }, 't1'],
			[{ item: 1 }, 't2'],
			[{ item: 2 }, 't3'],
		]);
		expect(output[1].json).toMatchObject({ state: 'pending', timedOut: true, error: expect.stringContaining('t2') });
	});

	test('with the error output on, a failure holds only error and details (so n8n moves it there)', () => {
		const output = toNodeOutput({ ...node, onError: 'continueErrorOutput' }, outcomes, true);
		expect(Object.keys(output[1].json).sort()).toEqual(['details', 'error']);
		expect(output[1].json.details).toMatchObject({ taskId: 't2' });
	});

	test('without Continue On Fail: one error that names every task still running and every task of the run', () => {
		let thrown: { message: string; description?: string } | undefined;
		try {
			toNodeOutput(node, outcomes, false);
		} catch (error) {
			thrown = error as { message: string; description?: string };
		}
		expect(thrown?.message).toBe('Timed out with 2 tasks still running: t2 (pending), t3 (processing)');
		expect(thrown?.description).toContain('Tasks of this run: item 0: t1 (success, https://cdn/t1.mp4); item 1: t2 (pending); item 2: t3 (processing).');
		expect(allTasksLine([outcomes[1]])).toBe('Tasks of this run: item 0: t1 (success, https://cdn/t1.mp4).');
	});
});
