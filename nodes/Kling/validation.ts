import type { INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { MAX_PROMPT_LENGTH } from '../shared/constants';

/** Bad input is stopped here, before any request: each error names the field and the item. */
export class InputValidator {
	constructor(
		private readonly node: INode,
		private readonly itemIndex: number,
	) {}

	fail(field: string, problem: string, hint: string): never {
		throw new NodeOperationError(this.node, `${field} ${problem} [item ${this.itemIndex}]`, {
			itemIndex: this.itemIndex,
			description: hint,
		});
	}

	text(field: string, value: unknown, { required }: { required: boolean }): string | undefined {
		const text = typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
		if (text.trim() === '') {
			if (required) this.fail(field, 'is empty', `Enter a ${field.toLowerCase()} of 1 to ${MAX_PROMPT_LENGTH} characters.`);
			return undefined;
		}
		if (text.length > MAX_PROMPT_LENGTH) {
			this.fail(
				field,
				`is ${text.length} characters long, more than the ${MAX_PROMPT_LENGTH} APIXO accepts`,
				`Shorten the ${field.toLowerCase()} to at most ${MAX_PROMPT_LENGTH} characters.`,
			);
		}
		return text;
	}

	url(field: string, value: unknown, { required }: { required: boolean }): string | undefined {
		const text = typeof value === 'string' ? value.trim() : '';
		if (text === '') {
			if (required) this.fail(field, 'is empty', 'Enter a public http(s) URL of a JPG, PNG or WebP image of at most 10 MB.');
			return undefined;
		}
		let parsed: URL | undefined;
		try {
			parsed = new URL(text);
		} catch {
			parsed = undefined;
		}
		if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
			this.fail(field, `is not an http(s) URL: "${truncate(text)}"`, 'Use a full URL that starts with https:// (or http://).');
		}
		return text;
	}

	taskId(field: string, value: unknown): string {
		const text = typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
		if (text === '') this.fail(field, 'is empty', 'Enter the task ID that Generate Video returned (e.g. task_…).');
		return text;
	}

	cfgScale(field: string, value: unknown): number | undefined {
		if (value === undefined || value === null || value === '') return undefined;
		const scale = Number(value);
		// APIXO accepts 0 to 1 in steps of 0.1.
		if (Number.isNaN(scale) || scale < 0 || scale > 1) {
			this.fail(field, `must be between 0 and 1, got ${String(value)}`, '0.3–0.5 is creative, 0.6–0.8 balanced, 0.9–1 strict.');
		}
		return Math.round(scale * 10) / 10;
	}

	oneOf<T>(field: string, value: unknown, allowed: readonly T[]): T {
		if (!allowed.includes(value as T)) {
			this.fail(field, `must be one of ${allowed.join(', ')}, got ${String(value)}`, `Pick one of ${allowed.join(', ')}.`);
		}
		return value as T;
	}
}

function truncate(text: string): string {
	return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
