import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import jsoncParser from 'jsonc-eslint-parser';
import tseslint from 'typescript-eslint';

/** n8n's community-node rules (the ones its package scanner runs) on the code that ships. */
export default [
	{ ignores: ['dist/**', 'build/**', 'node_modules/**', 'test/**', 'scripts/**', 'bench/**', 'examples/**', 'docs/**'] },
	{
		files: ['**/*.ts'],
		languageOptions: { parser: tseslint.parser, parserOptions: { project: './tsconfig.json' } },
	},
	// The package.json rules (runtime dependencies, the n8n section) read it as JSON.
	{ files: ['package.json'], languageOptions: { parser: jsoncParser } },
	n8nCommunityNodesPlugin.configs.recommended,
];
