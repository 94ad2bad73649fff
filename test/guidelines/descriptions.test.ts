/**
 * n8n's UX guidelines for community nodes, the mechanical part, over every node's and the credential's description
 * as n8n reads it: Title Case for names, parameter names and dropdown titles; Sentence case for actions,
 * descriptions and hints; a boolean's description starts with "Whether"; placeholders start with "e.g.";
 * an operation's action names its resource, without articles; the API key is a password field.
 */
import type { ICredentialType, INodeProperties, INodePropertyCollection, INodePropertyOptions, INodeTypeDescription } from 'n8n-workflow';

import { ApixoApi } from '../../credentials/ApixoApi.credentials';
import { Kling } from '../../nodes/Kling/Kling.node';
import { KlingTrigger } from '../../nodes/KlingTrigger/KlingTrigger.node';

/** Words Title Case leaves small (AP style), and names whose case is their own. */
const SMALL_WORDS = new Set(['a', 'an', 'and', 'as', 'at', 'by', 'for', 'from', 'in', 'of', 'on', 'or', 'per', 'the', 'to', 'vs', 'with']);
const OWN_CASE = new Set(['APIXO', 'API', 'ID', 'IDs', 'URL', 'URLs', 'CFG', 'USD', 'n8n', 'e.g.']);

/** Every word capitalised but small words inside; numbers, units in parentheses and names kept. */
function isTitleCase(text: string): boolean {
	const words = text.replace(/[()]/g, ' ').split(/\s+/).filter(Boolean);
	return words.every((word, index) => {
		if (OWN_CASE.has(word) || /^[\d:.]+$/.test(word) || /^[^A-Za-z]/.test(word)) return true;
		if (index > 0 && SMALL_WORDS.has(word)) return true;
		return /^[A-Z]/.test(word);
	});
}

/** Starts with a capital (or a name, a number, a quote), and is not Title Case throughout (when it has 4 words or more). */
function isSentenceCase(text: string): boolean {
	const first = text.split(/\s+/)[0] ?? '';
	if (!(/^[A-Z0-9"'`$]/.test(first) || OWN_CASE.has(first))) return false;
	const words = text.split(/\s+/).filter((word) => /^[A-Za-z]/.test(word) && !OWN_CASE.has(word) && !SMALL_WORDS.has(word));
	return words.length < 4 || words.slice(1).some((word) => /^[a-z]/.test(word));
}

interface Field {
	where: string;
	property: INodeProperties;
}

/** Every parameter, collection options included, with where it sits. */
function fieldsOf(properties: INodeProperties[], where: string): Field[] {
	return properties.flatMap((property) => {
		const here = `${where} › ${property.name}`;
		const nested = (property.options ?? []).flatMap((option) => {
			if ('values' in option) return fieldsOf((option as INodePropertyCollection).values, `${here} › ${option.name}`);
			if ('type' in option) return fieldsOf([option as INodeProperties], here);
			return [];
		});
		return [{ where: here, property }, ...nested];
	});
}

const nodes: Array<[string, INodeTypeDescription]> = [
	['Kling', new Kling().description],
	['Kling Trigger', new KlingTrigger().description],
];
const credential: ICredentialType = new ApixoApi();
const fields = [...nodes.flatMap(([name, description]) => fieldsOf(description.properties, name)), ...fieldsOf(credential.properties, credential.displayName)];
const dropdownOptions = fields.flatMap(({ where, property }) =>
	property.type === 'options' || property.type === 'multiOptions'
		? (property.options as INodePropertyOptions[]).map((option) => ({ where: `${where} = ${String(option.value)}`, option, property }))
		: [],
);

describe("n8n's UX guidelines: the nodes' and the credential's texts", () => {
	test('node and credential names are Title Case', () => {
		const names = [...nodes.map(([, description]) => description.displayName), credential.displayName];
		expect(names.filter((name) => !isTitleCase(name))).toEqual([]);
	});

	test('parameter names are Title Case (notices are sentences)', () => {
		const wrong = fields.filter(({ property }) => property.type !== 'notice' && !isTitleCase(property.displayName)).map(({ where, property }) => `${where}: ${property.displayName}`);
		expect(wrong).toEqual([]);
	});

	test('dropdown titles are Title Case (field-name lists excepted: they show the field as it is output)', () => {
		const wrong = dropdownOptions
			.filter(({ property }) => property.name !== 'fields')
			.filter(({ option }) => !isTitleCase(option.name))
			.map(({ where, option }) => `${where}: ${option.name}`);
		expect(wrong).toEqual([]);
	});

	test('descriptions, hints and actions are Sentence case', () => {
		const texts = [
			...nodes.map(([name, description]) => [name, description.description] as const),
			...fields.flatMap(({ where, property }) => [
				[`${where} (description)`, property.description] as const,
				[`${where} (hint)`, property.hint] as const,
			]),
			...dropdownOptions.flatMap(({ where, option }) => [[`${where} (description)`, option.description] as const, [`${where} (action)`, option.action] as const]),
		].filter((entry): entry is readonly [string, string] => typeof entry[1] === 'string' && entry[1] !== '');
		expect(texts.filter(([, text]) => !isSentenceCase(text)).map(([where, text]) => `${where}: ${text}`)).toEqual([]);
	});

	test('a boolean\'s description starts with "Whether"', () => {
		const wrong = fields.filter(({ property }) => property.type === 'boolean' && !/^Whether /.test(property.description ?? '')).map(({ where }) => where);
		expect(wrong).toEqual([]);
	});

	test('placeholders start with "e.g." (a collection\'s button label aside)', () => {
		const wrong = fields
			.filter(({ property }) => property.placeholder !== undefined && !['collection', 'fixedCollection'].includes(property.type))
			.filter(({ property }) => !/^e\.g\. /.test(String(property.placeholder)))
			.map(({ where, property }) => `${where}: ${String(property.placeholder)}`);
		expect(wrong).toEqual([]);
	});

	test("every operation's action names its resource, without articles", () => {
		const actions = dropdownOptions.filter(({ property }) => property.name === 'operation').map(({ option }) => option.action ?? '');
		expect(actions.length).toBeGreaterThan(0);
		expect(actions.filter((action) => /\b(a|an|the)\b/i.test(action) || !/\b(video|task|balance)\b/i.test(action))).toEqual([]);
	});

	test('the API key is a password field', () => {
		const key = credential.properties.find((property) => property.name === 'apiKey');
		expect(key?.typeOptions?.password).toBe(true);
	});
});
