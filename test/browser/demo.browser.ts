/**
 * The first ten minutes with this package, as a new user spends them (README "Quick start"): `npm start`, the
 * text-to-video example opened from the link it prints, Execute workflow, the video item and its Binary tab, Ctrl-C,
 * `npm start` again. Runs the real `npm start` (scripts/start.sh) in its own process group and stops it with SIGINT,
 * as Ctrl-C in a terminal does; headless Debian Chromium (playwright-core) plays the videos.
 *
 * The demo's folder is .e2e/browser-demo (APIXO_DEMO_DIR), so a developer's own `npm start` (.e2e/demo) is left
 * alone; its port 5678 then is not, and the test expects the alternative the demo prints. Failures name the step
 * and leave a screenshot in .e2e/browser-demo-failures/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { http } from '../../scripts/e2e/http';
import { E2E_OWNER } from '../../scripts/e2e/n8n';
import {
	CHROMIUM,
	executeWorkflow,
	launch,
	openCanvasNode,
	openWorkflow,
	pauseVideoAt,
	playBinaryVideo,
	playVideoFile,
	showBinaryOutput,
	signIn,
	stackless,
	stepsOnOnePage,
	type Browser,
} from './editor';

const repoDir = resolve(__dirname, '..', '..');
const demoDir = join(repoDir, '.e2e', 'browser-demo');
const failuresDir = join(repoDir, '.e2e', 'browser-demo-failures');
const screenshotsDir = join(repoDir, 'docs', 'screenshots');
const EXAMPLE = 'Kling: text to video, save the MP4';
/** The first start may install Node 24 and n8n (minutes, once); later ones build and start in about a minute. */
const START_TIMEOUT_MS = 15 * 60_000;

const started = Date.now();
const log = (line: string) => process.stderr.write(`[demo ${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`);

/** One `npm start`: its process group, everything it printed, and what the printout says. */
interface Demo {
	child: ChildProcess;
	output: string;
	exited: Promise<number | string>;
	editorUrl: string;
	/** The line saying 5678 was taken, if it was. */
	portNote?: string;
	filesFolder: string;
	simulatorUrl: string;
	/** Workflow name → its editor link, as printed. */
	links: Map<string, string>;
}

/** The environment a user's shell gives `npm start`: none of jest's variables (NODE_ENV=test among them). */
function userEnv(): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {};
	for (const [key, value] of Object.entries(process.env)) {
		if (/^(NODE_ENV|JEST_|N8N_|E2E_|BROWSER_E2E_)/.test(key)) continue;
		env[key] = value;
	}
	return { ...env, APIXO_DEMO_DIR: demoDir };
}

const outputTail = (demo: { output: string }, lines = 40) => demo.output.trimEnd().split('\n').slice(-lines).join('\n');

async function startDemo(): Promise<Demo> {
	const child = spawn('npm', ['start'], { cwd: repoDir, env: userEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
	const demo = { child, output: '' } as Demo;
	child.stdout?.on('data', (chunk: Buffer) => (demo.output += chunk.toString()));
	child.stderr?.on('data', (chunk: Buffer) => (demo.output += chunk.toString()));
	demo.exited = new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit(code ?? signal ?? 'unknown')));
	let exitedWith: number | string | undefined;
	void demo.exited.then((how) => (exitedWith = how));
	const deadline = Date.now() + START_TIMEOUT_MS;
	while (!demo.output.includes('Ctrl-C stops everything')) {
		if (exitedWith !== undefined) throw stackless(`npm start ended (${exitedWith}) before the demo was up:\n${outputTail(demo)}`);
		if (Date.now() > deadline) throw stackless(`npm start: the demo was not up within ${START_TIMEOUT_MS / 60_000} min:\n${outputTail(demo)}`);
		await new Promise((resolveWait) => setTimeout(resolveWait, 500));
	}
	const line = (pattern: RegExp, what: string) => {
		const match = pattern.exec(demo.output);
		if (!match) throw stackless(`npm start printed no ${what}:\n${outputTail(demo)}`);
		return match[1];
	};
	demo.editorUrl = line(/^\s*Editor:\s+(\S+)/m, 'editor address');
	demo.portNote = /^\s*(port 5678 is in use.*)$/m.exec(demo.output)?.[1];
	demo.filesFolder = line(/^\s*Files:\s+(\S+)/m, 'files folder');
	demo.simulatorUrl = line(/^\s*APIXO simulator:\s+(\S+)/m, 'simulator address');
	demo.links = new Map([...demo.output.matchAll(/^\s{2}(.+?)\s{3}(http:\S+\/workflow\/\S+)$/gm)].map((match) => [match[1], match[2]]));
	log(`npm start: up at ${demo.editorUrl}`);
	return demo;
}

/** Ctrl-C: SIGINT to the whole process group, then the demo must end by itself. */
async function stopDemo(demo: Demo): Promise<number | string> {
	try {
		process.kill(-(demo.child.pid as number), 'SIGINT');
	} catch {
		return await demo.exited;
	}
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<'timeout'>((resolveTimeout) => (timer = setTimeout(() => resolveTimeout('timeout'), 90_000)));
	const how = await Promise.race([demo.exited, timeout]);
	clearTimeout(timer);
	if (how === 'timeout') {
		process.kill(-(demo.child.pid as number), 'SIGKILL');
		throw stackless(`Ctrl-C did not stop npm start within 90 s:\n${outputTail(demo)}`);
	}
	return how;
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

let browser: Browser | undefined;
let page: Page;
let demo: Demo | undefined;
/** The first run's video: its file in the files folder and the task's SHA-256 as the simulator served it. */
let firstVideo: { file: string; sha256: string } | undefined;
let firstEditorUrl = '';
const step = stepsOnOnePage(() => page, failuresDir, log);

/**
 * Signs in with the printed login, opens the text-to-video example from its printed link, runs it and plays the
 * video item's Binary tab. Returns the saved file and the task's SHA-256.
 */
async function runTextToVideo(run: Demo, name: string, screenshot?: string): Promise<{ file: string; sha256: string }> {
	const link = run.links.get(EXAMPLE);
	if (!link) throw stackless(`npm start printed no link to "${EXAMPLE}":\n${outputTail(run)}`);
	await signIn(page, run.editorUrl, E2E_OWNER);
	await openWorkflow(page, name, link, 'Kling');
	await executeWorkflow(page, name, 'Save the MP4');
	await openCanvasNode(page, name, 'Kling');
	const binary = await showBinaryOutput(page, name);
	expect(binary).toMatchObject({ property: 'data', mimeType: 'video/mp4', fileName: expect.stringMatching(/^task_[0-9a-f]+\.mp4$/) });
	const played = await playBinaryVideo(page, name);
	// The simulator's video: 5 s at 640x360, decoded and playing in n8n's viewer.
	expect(played).toMatchObject({ videoWidth: 640, videoHeight: 360 });
	expect(played.duration).toBeCloseTo(5, 1);
	expect(played.currentTime).toBeGreaterThan(0);
	if (screenshot) {
		// The output panel's header and the video: the input panel shows this machine's files folder.
		const output = page.getByTestId('output-panel');
		const video = output.locator('video').first();
		await pauseVideoAt(video, 2.5);
		mkdirSync(screenshotsDir, { recursive: true });
		await page.mouse.move(1, 1);
		const [panel, player] = [await output.boundingBox(), await video.boundingBox()];
		const clip = panel && player ? { x: panel.x, y: panel.y, width: panel.width, height: player.y + player.height + 16 - panel.y } : undefined;
		await page.screenshot({ path: join(screenshotsDir, screenshot), animations: 'disabled', clip });
		log(`saved docs/screenshots/${screenshot}`);
	}

	const taskId = binary.fileName.replace(/\.mp4$/, '');
	const task = JSON.parse((await http(`${run.simulatorUrl}/__sim/tasks/${taskId}`)).text) as { state: string; fileSha256: string | null };
	expect(task).toMatchObject({ state: 'success', fileSha256: expect.any(String) });
	const file = join(run.filesFolder, binary.fileName);
	expect(existsSync(file)).toBe(true);
	expect(sha256(file)).toBe(task.fileSha256);
	return { file, sha256: task.fileSha256 as string };
}

beforeAll(async () => {
	if (!existsSync(CHROMIUM)) throw stackless(`${CHROMIUM} is missing: run scripts/browser/install-chromium.sh (npm run test:browser does)`);
	browser = await launch(join(repoDir, '.e2e', 'browser-demo-profile'));
	page = browser.page;
}, 60_000);

afterAll(async () => {
	if (demo && demo.child.exitCode === null && demo.child.signalCode === null) await stopDemo(demo).catch((error: Error) => log(error.message));
	await browser?.close();
}, 120_000);

test(
	'npm start prints the editor on port 5678 (or the port it takes instead), the login, a link per example and the files folder',
	async () => {
		await step('first npm start', async () => {
			demo = await startDemo();
			const port = new URL(demo.editorUrl).port;
			if (demo.portNote) expect(demo.portNote).toContain(`the editor is on ${port} this time`);
			else expect(port).toBe('5678');
			expect(demo.output).toContain(`owner ${E2E_OWNER.email} / ${E2E_OWNER.password}`);
			expect(demo.links.get(EXAMPLE)).toMatch(new RegExp(`^${demo.editorUrl}workflow/`));
			expect(demo.filesFolder).toBe(join(demoDir, 'files'));
			// npm's advisory warnings stay out of the way; n8n's log has no failed calls to n8n's own services.
			expect(demo.output).not.toMatch(/npm warn/i);
			expect(readFileSync(join(demoDir, 'logs', 'n8n-main.log'), 'utf8')).not.toMatch(/ENOTFOUND|EAI_AGAIN/);
			firstEditorUrl = demo.editorUrl;
		});
	},
	START_TIMEOUT_MS + 60_000,
);

test('the text-to-video example, run from the editor: the video item plays in the Binary tab and the MP4 is saved', async () => {
	await step('text to video, first run', async () => {
		firstVideo = await runTextToVideo(demo as Demo, 'text to video, first run', 'demo-video-in-binary-tab.png');
	});
}, 240_000);

test('no file of the demo that holds a key or a session is readable by anyone else', async () => {
	await step('secret files', async () => {
		const secrets = [
			join(demoDir, 'state.json'),
			...readdirSync(join(demoDir, 'logs')).map((file) => join(demoDir, 'logs', file)),
			...readdirSync(join(demoDir, 'n8n', '.n8n'))
				.map((file) => join(demoDir, 'n8n', '.n8n', file))
				.filter((file) => statSync(file).isFile()),
		];
		expect(secrets).toEqual(expect.arrayContaining([join(demoDir, 'n8n', '.n8n', 'database.sqlite'), join(demoDir, 'logs', 'n8n-main.log')]));
		const open = (file: string) => (statSync(file).mode & 0o077) !== 0;
		const readable = [demoDir, ...secrets].filter(open).map((file) => `${file} (${(statSync(file).mode & 0o777).toString(8)})`);
		expect(readable).toEqual([]);
	});
});

test(
	'Ctrl-C, then npm start again: the same address, and the video saved before is still there and plays',
	async () => {
		await step('Ctrl-C and npm start again', async () => {
			const previous = demo as Demo;
			expect(await stopDemo(previous)).toBe(0);
			expect(previous.output).toContain('stopped everything started here');
			demo = await startDemo();
			expect(demo.editorUrl).toBe(firstEditorUrl);
			expect(demo.output).toContain('kept from one start to the next');
		});
		await step('the first video after the restart', async () => {
			const { file, sha256: expected } = firstVideo as { file: string; sha256: string };
			expect(existsSync(file)).toBe(true);
			expect(sha256(file)).toBe(expected);
			const played = await playVideoFile(page, 'the first video after the restart', file);
			expect(played).toMatchObject({ videoWidth: 640, videoHeight: 360 });
			expect(played.currentTime).toBeGreaterThan(0);
		});
		await step('text to video, after the restart', async () => {
			const second = await runTextToVideo(demo as Demo, 'text to video, after the restart');
			expect(second.file).not.toBe(firstVideo?.file);
			expect(existsSync(firstVideo?.file as string)).toBe(true);
		});
	},
	START_TIMEOUT_MS + 300_000,
);
