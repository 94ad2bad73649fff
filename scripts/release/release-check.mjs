// Refuses a release that does not say what it is: `npm run release:check -- v1.2.3` (the publish workflow passes
// the tag). The tag must be `v` + package.json's version, and CHANGELOG.md must have a released heading for that
// version ("## 1.2.3" or "## 1.2.3 — 2026-12-01", not "— unreleased"). Without a tag, only the CHANGELOG is checked.
import { readFileSync } from 'node:fs';

const tag = process.argv[2];
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
const changelog = readFileSync('CHANGELOG.md', 'utf8');
const problems = [];

if (tag !== undefined && tag !== `v${version}`) {
	problems.push(`The tag ${tag} does not match package.json's version ${version} (expected v${version}).`);
}
const escaped = version.replace(/[.+]/g, '\\$&');
const heading = changelog.match(new RegExp(`^## \\[?v?${escaped}\\]?(?![\\w.+-])(.*)$`, 'm'));
if (!heading) {
	problems.push(`CHANGELOG.md has no "## ${version}" section: say what this version changes before releasing it.`);
} else if (/unreleased/i.test(heading[1])) {
	problems.push(`CHANGELOG.md still marks ${version} as unreleased: give it its release date.`);
}

if (problems.length > 0) {
	console.error(problems.join('\n'));
	process.exit(1);
}
console.log(`Release ${tag ?? version}: package.json and CHANGELOG.md agree.`);
