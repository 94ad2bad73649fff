/**
 * The README shows names a user types or looks for in the editor: operations, fields, options, the Kling
 * Trigger's URL and the output fields. They are read here from the nodes' own descriptions and compared, so the
 * README cannot drift from the code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INodeProperties, INodePropertyCollection, INodePropertyOptions } from 'n8n-workflow';

import { Kling } from '../nodes/Kling/Kling.node';
import { KlingTrigger } from '../nodes/KlingTrigger/KlingTrigger.node';
import { TASK_FIELDS } from '../nodes/shared/taskResult';

const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
const kling = new Kling().description;
const trigger = new KlingTrigger().description;

/** The README's text from a heading to the next heading of the same or a higher level. */
function section(heading: string): string {
	const start = readme.indexOf(`${heading}\n`);
	if (start < 0) throw new Error(`README has no heading "${heading}"`);
	const level = heading.match(/^#+/)?.[0].length ?? 2;
	const rest = readme.slice(start + heading.length + 1);
	const next = rest.search(new RegExp(`^#{1,${level}} `, 'm'));
	return next < 0 ? rest : rest.slice(0, next);
}

/** First cells of the first Markdown table in `text` (header row excluded). */
function firstColumn(text: string): string[] {
	const lines = text.split('\n');
	const first = lines.findIndex((line) => line.startsWith('|'));
	const end = lines.findIndex((line, index) => index > first && !line.startsWith('|'));
	return lines.slice(first + 2, end < 0 ? undefined : end).map((row) => row.split('|')[1].trim());
}

function propertiesShownFor(operation: string): INodeProperties[] {
	return kling.properties.filter(
		(property) => property.type !== 'notice' && property.displayOptions?.show?.operation?.includes(operation),
	);
}

const optionNames = (property: INodeProperties | undefined): string[] =>
	((property?.options ?? []) as Array<INodePropertyOptions | INodePropertyCollection | INodeProperties>).map((option) =>
		'displayName' in option ? option.displayName : option.name,
	);

describe('the README matches the nodes', () => {
	test('operations', () => {
		const operations = optionNames(kling.properties.find((property) => property.name === 'operation'));
		expect(section('## The Kling node')).toContain(`Operations: ${operations.map((name) => `**${name}**`).join(', ')}.`);
	});

	test('Generate Video: every field in the table, in the editor\'s order, and the Additional Fields and Options by name', () => {
		const text = section('### Generate Video');
		const properties = propertiesShownFor('generate');
		expect(firstColumn(text)).toEqual(properties.map((property) => property.displayName));
		const row = (name: string) => text.split('\n').find((line) => line.startsWith(`| ${name} |`)) ?? '';
		for (const collection of ['Additional Fields', 'Options']) {
			const property = properties.find((each) => each.displayName === collection);
			for (const name of optionNames(property)) expect({ collection, name, listed: row(collection).includes(name) }).toEqual({ collection, name, listed: true });
		}
	});

	test('Wait for Result: the modes the README explains are the node\'s', () => {
		const waitModes = optionNames(kling.properties.find((property) => property.name === 'waitMode' && property.displayOptions?.show?.operation?.includes('generate')));
		expect(firstColumn(section('### Waiting for the result')).map((cell) => cell.replace(/\*\*/g, ''))).toEqual(waitModes);
	});

	test('Kling Trigger: its parameters by display name and internal name, and its URL ends in the node\'s path', () => {
		for (const cell of firstColumn(section('## The Kling Trigger'))) {
			const names = [...cell.matchAll(/([^,(]+?)(?: \(`(\w+)`\))?(?:,|$)/g)].map(([, displayName, name]) => ({ displayName: displayName.trim(), name }));
			for (const { displayName, name } of names) {
				const property = trigger.properties.find((each) => each.displayName === displayName);
				expect({ displayName, known: property !== undefined }).toEqual({ displayName, known: true });
				if (name) expect(property?.name).toBe(name);
			}
		}
		const path = trigger.webhooks?.[0].path;
		const shown = [...readme.matchAll(/\/webhook\/[^/\s`]+\/([\w-]+)/g)].map(([, tail]) => tail);
		expect(shown.length).toBeGreaterThan(0);
		expect(new Set(shown)).toEqual(new Set([path]));
	});

	test('Output: the table lists exactly the fields the nodes output, in their order', () => {
		const fields = firstColumn(section('#### Output')).map((cell) => cell.replace(/`/g, ''));
		expect(fields).toEqual([...TASK_FIELDS]);
	});
});
