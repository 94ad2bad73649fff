// n8n's verification checks, run offline on what would be published (build first: `npm run build`):
//   1. `n8n-node lint` as n8n's CLI runs it (strict mode: eslint.config.mjs must be its Cloud template), on a copy
//      of what ships — the CLI lints the whole folder (`eslint .`), and this repository also holds tests, the
//      bench and scripts that never reach the package and are not node code;
//   2. n8n's package scanner (@n8n/scan-community-package, its own rule set) on the source, with the file patterns
//      it uses for the source checkout that a package's provenance points at;
//   3. `npm pack`, the tarball's contents (only what n8n loads, nothing of the tests or the bench), and the scanner
//      on the unpacked tarball, with the patterns it uses for the published package.
// Any finding fails, warnings included (the scanner itself fails only on errors). Exits 1 on a finding.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ESLint } from 'eslint';
import {
	analyzePackage,
	buildScanConfig,
	SOURCE_FILE_PATTERNS,
} from '@n8n/scan-community-package/scanner/scanner.mjs';

const root = process.cwd();
const work = join(root, '.verify');
const failures = [];
const fail = (message) => failures.push(message);

function run(command, args, cwd) {
	const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
	return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

function filesUnder(folder) {
	return readdirSync(folder, { recursive: true })
		.map((name) => join(folder, name))
		.filter((path) => statSync(path).isFile());
}

/** The scanner's verdict (errors) and, with the same rule set, the warnings it does not fail on. */
async function scan(label, packageDir, patterns) {
	const verdict = await analyzePackage(packageDir, patterns);
	if (!verdict.passed) fail(`scanner, ${label}: ${verdict.message}\n${verdict.details ?? ''}`);
	const eslint = new ESLint({
		cwd: packageDir,
		allowInlineConfig: false,
		overrideConfigFile: true,
		overrideConfig: await buildScanConfig(),
		globInputPaths: true,
	});
	const results = await eslint.lintFiles(patterns);
	const warnings = results.reduce((sum, result) => sum + result.warningCount, 0);
	if (warnings > 0) {
		const formatter = await eslint.loadFormatter('stylish');
		fail(`scanner, ${label}: ${warnings} warning(s)\n${await formatter.format(results)}`);
	}
	const files = results.length;
	console.log(`scanner, ${label}: ${files} files, ${verdict.passed ? 0 : 'some'} errors, ${warnings} warnings`);
}

function lintAsTheCliDoes() {
	const stage = join(work, 'lint');
	mkdirSync(stage, { recursive: true });
	for (const name of ['nodes', 'credentials', 'package.json', 'tsconfig.json', 'eslint.config.mjs']) {
		cpSync(join(root, name), join(stage, name), { recursive: true });
	}
	// Inside the repository, so the config's imports resolve from its node_modules.
	const { status, output } = run(join(root, 'node_modules', '.bin', 'n8n-node'), ['lint'], stage);
	const problems = /\d+ problems?/.test(output) || /Strict mode violation/.test(output);
	if (status !== 0 || problems) fail(`n8n-node lint (Cloud configuration):\n${output}`);
	console.log(`n8n-node lint (Cloud configuration, strict): ${status === 0 && !problems ? 'clean' : 'FAILED'}`);
}

function packAndCheck() {
	const packed = join(work, 'pack');
	mkdirSync(packed, { recursive: true });
	const { status, output } = run('npm', ['pack', '--json', '--pack-destination', packed], root);
	if (status !== 0) throw new Error(`npm pack failed:\n${output}`);
	const tarball = join(packed, JSON.parse(output.slice(output.indexOf('['))).at(0).filename);
	const unpacked = join(work, 'package');
	mkdirSync(unpacked, { recursive: true });
	const untar = run('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1'], root);
	if (untar.status !== 0) throw new Error(`tar failed:\n${untar.output}`);

	const files = filesUnder(unpacked).map((path) => relative(unpacked, path));
	const allowed = /^(dist\/.+|index\.js|README\.md|LICENSE|package\.json)$/;
	for (const file of files) {
		if (!allowed.test(file)) fail(`tarball: ${file} is not part of the package (only dist/, index.js, README.md, LICENSE, package.json)`);
		if (/(^|\/)(test|tests|__tests__|bench|scripts|examples)\//.test(file) || /\.test\.[jt]s$/.test(file)) {
			fail(`tarball: ${file} is a test, bench or script`);
		}
		if (file.endsWith('.map')) {
			const sources = JSON.parse(readFileSync(join(unpacked, file), 'utf8')).sources ?? [];
			for (const source of sources) {
				const target = resolve(unpacked, file, '..', source);
				if (!target.startsWith(unpacked + '/')) fail(`tarball: ${file} points outside the package (${source})`);
			}
		}
	}
	for (const name of ['index.js', 'README.md', 'LICENSE', 'package.json']) {
		if (!files.includes(name)) fail(`tarball: ${name} is missing`);
	}
	const manifest = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8'));
	const named = [...(manifest.n8n?.nodes ?? []), ...(manifest.n8n?.credentials ?? [])];
	if (named.length === 0) fail('tarball: package.json names no nodes or credentials in its n8n section');
	for (const file of named) {
		if (!files.includes(file)) fail(`tarball: package.json's n8n section names ${file}, which is not in the package`);
	}
	console.log(`tarball: ${files.length} files, ${named.length} named by the n8n section`);
	return unpacked;
}

rmSync(work, { recursive: true, force: true });
try {
	if (!existsSync(join(root, 'dist'))) throw new Error('dist/ is missing: run `npm run build` first');
	lintAsTheCliDoes();
	await scan('source', root, SOURCE_FILE_PATTERNS);
	const unpacked = packAndCheck();
	await scan('npm pack tarball', unpacked, ['**/*.js', 'package.json']);
} finally {
	rmSync(work, { recursive: true, force: true });
}
if (failures.length > 0) {
	console.error(`\n${failures.length} finding(s):\n\n${failures.join('\n\n')}`);
	process.exit(1);
}
console.log('n8n verification checks: no findings');
