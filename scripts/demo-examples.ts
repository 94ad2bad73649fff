/**
 * The demo's copies of examples/ (`npm start`, scripts/start.sh), changed only where the demo differs from a user's
 * n8n, each change told in the workflow's note:
 * - the folder the workflow writes to: Docker's /home/node/.n8n-files becomes the demo's files folder (the only
 *   one its n8n may write to) in the nodes' parameters. Notes keep their text, Docker hint included.
 * - the wait: the simulator runs tasks `1 / time-scale` times faster than APIXO, so Initial Delay and Poll Interval
 *   are scaled by the same factor (APIXO's 30 s and 5 s become 3 s and 0.5 s at 0.1), and a run takes seconds.
 * The files in examples/, which users import into their own n8n, keep APIXO's timings.
 *
 * With the real API (time scale 1) the timings stay.
 *
 *   node build/scripts/demo-examples.js --examples examples --out DIR --files DIR --time-scale 0.1
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where the examples save files: the folder n8n's Docker image lets file nodes use. */
export const DOCKER_FILES_FOLDER = '/home/node/.n8n-files';

interface WorkflowNode {
	name: string;
	type: string;
	parameters: Record<string, unknown>;
}

interface Workflow {
	name: string;
	nodes: WorkflowNode[];
}

export interface DemoSettings {
	filesFolder: string;
	timeScale: number;
}

const isNote = (node: WorkflowNode) => node.type === 'n8n-nodes-base.stickyNote';

/** Every string in a parameter value with `from` replaced by `to`; counts the replacements in `count`. */
function replaceIn(value: unknown, from: string, to: string, count: { replaced: number }): unknown {
	if (typeof value === 'string') {
		if (!value.includes(from)) return value;
		count.replaced++;
		return value.split(from).join(to);
	}
	if (Array.isArray(value)) return value.map((each) => replaceIn(each, from, to, count));
	if (value && typeof value === 'object') {
		return Object.fromEntries(Object.entries(value).map(([key, each]) => [key, replaceIn(each, from, to, count)]));
	}
	return value;
}

const seconds = (value: number) => `${Number(value.toFixed(2))} s`;

/** The demo's copy of one example workflow. */
export function demoCopy(workflow: Workflow, settings: DemoSettings): Workflow {
	const copy = structuredClone(workflow);
	const paths = { replaced: 0 };
	const timings = new Set<string>();
	for (const node of copy.nodes) {
		if (isNote(node)) continue;
		node.parameters = replaceIn(node.parameters, DOCKER_FILES_FOLDER, settings.filesFolder, paths) as Record<string, unknown>;
		const options = node.parameters.options as Record<string, unknown> | undefined;
		for (const [name, label] of [
			['initialDelay', 'Initial Delay'],
			['pollInterval', 'Poll Interval'],
		] as const) {
			const value = options?.[name];
			if (typeof value !== 'number' || settings.timeScale === 1) continue;
			const scaled = Number((value * settings.timeScale).toFixed(2));
			timings.add(`${label} ${seconds(scaled)} instead of ${seconds(value)}`);
			(options as Record<string, unknown>)[name] = scaled;
		}
	}
	const changes: string[] = [];
	if (timings.size > 0) {
		changes.push(
			`the APIXO simulator makes a video ${Number((1 / settings.timeScale).toFixed(1))} times faster than APIXO, so the Kling node waits ` +
				`accordingly: ${[...timings].join(', ')}`,
		);
	}
	if (paths.replaced > 0) changes.push(`files are saved to \`${settings.filesFolder}\`, the folder this n8n may write to`);
	const kept = [...(timings.size > 0 ? ["APIXO's timings"] : []), ...(paths.replaced > 0 ? [`\`${DOCKER_FILES_FOLDER}\``] : [])];
	const note = copy.nodes.find(isNote);
	if (note && changes.length > 0) {
		note.parameters.content =
			`${String(note.parameters.content ?? '')}\n\n**In this demo** ${changes.join('; ')}. ` +
			`The workflow in examples/ keeps ${kept.join(' and ')}.`;
		if (typeof note.parameters.height === 'number') note.parameters.height += 100;
	}
	return copy;
}

function main(): void {
	const args = process.argv.slice(2);
	const flag = (name: string) => {
		const index = args.indexOf(`--${name}`);
		const value = index >= 0 ? args[index + 1] : undefined;
		if (value === undefined) throw new Error(`--${name} is required`);
		return value;
	};
	const examplesDir = resolve(flag('examples'));
	const outDir = resolve(flag('out'));
	const settings = { filesFolder: resolve(flag('files')), timeScale: Number(flag('time-scale')) };
	if (!(settings.timeScale > 0)) throw new Error('--time-scale must be a positive number');
	rmSync(outDir, { recursive: true, force: true });
	mkdirSync(outDir, { recursive: true });
	for (const file of readdirSync(examplesDir).filter((name) => name.endsWith('.json'))) {
		const workflow = JSON.parse(readFileSync(join(examplesDir, file), 'utf8')) as Workflow;
		writeFileSync(join(outDir, file), `${JSON.stringify(demoCopy(workflow, settings), null, 2)}\n`);
	}
}

if (require.main === module) {
	try {
		main();
	} catch (error) {
		process.stderr.write(`${(error as Error).message}\n`);
		process.exit(1);
	}
}
