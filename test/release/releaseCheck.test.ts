/**
 * `npm run release:check -- <tag>` stands before `npm publish` in the publish workflow: a tag that does not name
 * package.json's version, or a version the CHANGELOG does not describe as released, stops the release.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const script = join(__dirname, '..', '..', 'scripts', 'release', 'release-check.mjs');

function releaseCheck(version: string, changelog: string, tag?: string): { status: number | null; output: string } {
	const folder = mkdtempSync(join(tmpdir(), 'release-check-'));
	try {
		writeFileSync(join(folder, 'package.json'), JSON.stringify({ name: 'n8n-nodes-example', version }));
		writeFileSync(join(folder, 'CHANGELOG.md'), changelog);
		const result = spawnSync(process.execPath, tag === undefined ? [script] : [script, tag], { cwd: folder, encoding: 'utf8' });
		return { status: result.status, output: result.stdout + result.stderr };
	} finally {
		rmSync(folder, { recursive: true, force: true });
	}
}

const released = '# Changelog\n\n## 1.2.0 — 2026-12-01\n\n- Something new.\n\n## 1.1.0 — 2026-11-01\n\n- Older.\n';

describe('release check', () => {
	it('lets a tag through that names the version the CHANGELOG describes as released', () => {
		const result = releaseCheck('1.2.0', released, 'v1.2.0');
		expect(result).toEqual({ status: 0, output: expect.stringContaining('agree') });
	});

	it('refuses a tag that does not match package.json', () => {
		const result = releaseCheck('1.2.0', released, 'v1.2.1');
		expect(result.status).toBe(1);
		expect(result.output).toContain('The tag v1.2.1 does not match package.json\'s version 1.2.0');
	});

	it('refuses a version the CHANGELOG does not mention', () => {
		const result = releaseCheck('1.3.0', released, 'v1.3.0');
		expect(result.status).toBe(1);
		expect(result.output).toContain('CHANGELOG.md has no "## 1.3.0" section');
	});

	it('does not take a longer version for the one being released', () => {
		const result = releaseCheck('1.2.0', '# Changelog\n\n## 1.2.0-beta.1 — 2026-11-20\n', 'v1.2.0');
		expect(result.status).toBe(1);
		expect(result.output).toContain('no "## 1.2.0" section');
	});

	it('refuses a version still marked unreleased', () => {
		const result = releaseCheck('1.2.0', '# Changelog\n\n## 1.2.0 — unreleased\n', 'v1.2.0');
		expect(result.status).toBe(1);
		expect(result.output).toContain('still marks 1.2.0 as unreleased');
	});
});
