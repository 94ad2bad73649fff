import type { INode } from 'n8n-workflow';

import { InputValidator } from '../../nodes/Kling/validation';

const node: INode = { id: 'kling', name: 'Kling', type: 'n8n-nodes-apixo-kling.kling', typeVersion: 1, position: [0, 0], parameters: {} };
const check = new InputValidator(node, 3);

function failure(read: () => unknown): { message: string; description?: string | null } {
	try {
		read();
	} catch (error) {
		return error as { message: string; description?: string | null };
	}
	throw new Error('Expected the input to be refused');
}

describe('checking one item’s input', () => {
	test('an empty required text names the field and the item; an empty optional one is left out', () => {
		expect(failure(() => check.text('Prompt', '  ', { required: true })).message).toBe('Prompt is empty [item 3]');
		expect(check.text('Negative Prompt', '', { required: false })).toBeUndefined();
		expect(check.text('Prompt', 42, { required: true })).toBe('42');
	});

	test('a text longer than APIXO accepts says how long it is and how long it may be', () => {
		const refused = failure(() => check.text('Prompt', 'x'.repeat(2501), { required: true }));
		expect(refused.message).toBe('Prompt is 2501 characters long, more than the 2500 APIXO accepts [item 3]');
		expect(refused.description).toBe('Shorten the prompt to at most 2500 characters.');
	});

	test('a URL must be http(s); a long one is shortened in the message', () => {
		expect(check.url('Start Image URL', ' https://example.com/a.png ', { required: true })).toBe('https://example.com/a.png');
		expect(failure(() => check.url('End Image URL', 'ftp://example.com/a.png', { required: false })).message).toBe(
			'End Image URL is not an http(s) URL: "ftp://example.com/a.png" [item 3]',
		);
		expect(failure(() => check.url('End Image URL', `x${'y'.repeat(80)}`, { required: false })).message).toMatch(/"xy{56}…" \[item 3\]$/);
		expect(check.url('End Image URL', '', { required: false })).toBeUndefined();
	});

	test('a task ID is trimmed, a number accepted, a blank one refused', () => {
		expect(check.taskId('Task ID', ' task_1 ')).toBe('task_1');
		expect(check.taskId('Task ID', 7)).toBe('7');
		expect(failure(() => check.taskId('Task ID', '')).message).toBe('Task ID is empty [item 3]');
	});

	test('CFG Scale is 0 to 1 in steps of 0.1; left empty it is not sent', () => {
		expect(check.cfgScale('CFG Scale', 0.44)).toBe(0.4);
		expect(check.cfgScale('CFG Scale', '')).toBeUndefined();
		expect(failure(() => check.cfgScale('CFG Scale', 1.5)).message).toBe('CFG Scale must be between 0 and 1, got 1.5 [item 3]');
	});

	test('a choice outside the allowed ones lists them', () => {
		expect(check.oneOf('Duration', 5, [5, 10])).toBe(5);
		const refused = failure(() => check.oneOf('Duration', 7, [5, 10]));
		expect(refused.message).toBe('Duration must be one of 5, 10, got 7 [item 3]');
		expect(refused.description).toBe('Pick one of 5, 10.');
	});
});
