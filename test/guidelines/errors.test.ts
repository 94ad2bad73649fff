/**
 * n8n's UX guidelines for errors, over every error text the nodes build: what happened in words a user knows (the
 * parameter's display name, `[item X]` when an item caused it, no "error", "problem" or "failure"), and a
 * description that says how to get unstuck.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { INode } from 'n8n-workflow';

import { InputValidator } from '../../nodes/Kling/validation';
import { httpError, networkError, noBalanceError, noStatusError, noTaskIdError } from '../../nodes/shared/apiErrors';

const BANNED = /\b(error|errors|problem|problems|failure|failures)\b/i;
const node = { id: 'kling', name: 'Kling', type: 'n8n-nodes-apixo-kling.kling', typeVersion: 1, position: [0, 0], parameters: {} } as INode;

function apiErrorsFor(itemIndex?: number) {
	const context = { itemIndex, taskId: 'task_1' };
	return [
		...[400, 401, 402, 403, 404, 418, 429, 500, 502, 503, 504].flatMap((status) => [
			httpError(node, status, { code: status, message: 'Reason given by APIXO' }, 'submit', 0, context),
			httpError(node, status, {}, 'read', 2, context),
		]),
		networkError(node, 'https://api.apixo.ai', 'ECONNREFUSED', 'submit', true, itemIndex),
		networkError(node, 'https://api.apixo.ai', 'ECONNRESET', 'submit', false, itemIndex),
		noTaskIdError(node, itemIndex),
		noStatusError(node, 'task_1', itemIndex),
		noBalanceError(node, itemIndex),
	];
}

/** Every `.ts` file under `dir`. */
function sources(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
	});
}

/** The text of each `new NodeOperationError(…)` call in the nodes' code, up to its closing parenthesis. */
function operationErrorCalls(): Array<{ where: string; call: string }> {
	return sources(join(__dirname, '..', '..', 'nodes')).flatMap((file) => {
		const text = readFileSync(file, 'utf8');
		const calls: Array<{ where: string; call: string }> = [];
		for (let start = text.indexOf('new NodeOperationError('); start !== -1; start = text.indexOf('new NodeOperationError(', start + 1)) {
			let depth = 0;
			let end = start + 'new NodeOperationError'.length;
			do {
				if (text[end] === '(') depth++;
				if (text[end] === ')') depth--;
				end++;
			} while (depth > 0 && end < text.length);
			calls.push({ where: `${file.slice(file.indexOf('nodes'))}:${text.slice(0, start).split('\n').length}`, call: text.slice(start, end) });
		}
		return calls;
	});
}

describe("n8n's UX guidelines: error texts", () => {
	test('API failures: no "error", "problem" or "failure" in the message, a description that says what to do', () => {
		const errors = apiErrorsFor(2);
		expect(errors.filter((error) => BANNED.test(error.message)).map((error) => error.message)).toEqual([]);
		expect(errors.filter((error) => !/[A-Za-z].*\.$/.test(error.description ?? '')).map((error) => `${error.message}: ${error.description}`)).toEqual([]);
	});

	test('an API failure an item caused ends with [item X]; one no item caused does not name one', () => {
		expect(apiErrorsFor(2).filter((error) => !error.message.endsWith(' [item 2]')).map((error) => error.message)).toEqual([]);
		expect(apiErrorsFor(undefined).filter((error) => error.message.includes('[item')).map((error) => error.message)).toEqual([]);
	});

	test("bad input names the parameter's display name and ends with [item X], and says what to enter", () => {
		const check = new InputValidator(node, 4);
		const refusals = [
			() => check.text('Prompt', '', { required: true }),
			() => check.url('Start Image URL', 'ftp://x', { required: true }),
			() => check.taskId('Task ID', ''),
			() => check.cfgScale('CFG Scale', 3),
			() => check.oneOf('Duration', 7, [5, 10]),
		].map((refuse) => {
			try {
				refuse();
			} catch (error) {
				return error as { message: string; description?: string };
			}
			throw new Error('accepted');
		});
		for (const [index, field] of ['Prompt', 'Start Image URL', 'Task ID', 'CFG Scale', 'Duration'].entries()) {
			expect(refusals[index].message.startsWith(`${field} `) && refusals[index].message.endsWith(' [item 4]')).toBe(true);
			expect(refusals[index].message).not.toMatch(BANNED);
			expect(refusals[index].description).toMatch(/[A-Za-z].*\.$/);
		}
	});

	test('every NodeOperationError the nodes build has a description, and no "error", "problem" or "failure" in its own words', () => {
		const calls = operationErrorCalls();
		expect(calls.length).toBeGreaterThan(5);
		// The one wrapper that carries an error thrown elsewhere (a cancellation) keeps that error's own message.
		const built = calls.filter(({ where }) => !where.startsWith('nodes/shared/errors.ts'));
		expect(built.filter(({ call }) => !/description/.test(call)).map(({ where }) => where)).toEqual([]);
		const literals = built.flatMap(({ where, call }) => [...call.matchAll(/(['`])((?:(?!\1)[^\\]|\\.)*)\1/g)].map((match) => ({ where, text: match[2] })));
		expect(literals.filter(({ text }) => BANNED.test(text.replace(/\$\{[^}]*\}/g, ''))).map(({ where, text }) => `${where}: ${text}`)).toEqual([]);
	});
});
