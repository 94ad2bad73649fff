/**
 * The Kling nodes in the real n8n editor: a headless Debian Chromium (playwright-core, no browser download) signs
 * in to n8n 2.41 with this package installed as a community package, adds the Kling node from the node creator,
 * switches operation, mode and wait mode, and checks which fields the parameter panel shows. It saves the
 * screenshots the README shows (docs/screenshots/*.png).
 *
 *   npm run test:browser                  (installs Debian's chromium once, then runs this file)
 *   BROWSER_E2E_STATE=.e2e/dev-single/state.json  reuse an environment started with scripts/e2e/cli.ts
 *   BROWSER_E2E_NO_BUILD=1                skip building dist/ and build/ (already built)
 *
 * Failures name the step, what was expected and what the page showed, and leave a screenshot in
 * .e2e/browser/failures/.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { readState, startEnvironment, type Environment, type EnvironmentState } from '../../scripts/e2e/environment';
import { E2E_OWNER } from '../../scripts/e2e/n8n';
import {
	CHROMIUM,
	canvasSubtitle,
	chooseAction,
	closeNdv,
	expectNoNotice,
	expectNotice,
	expectNoticesAsWritten,
	expectParameters,
	fillText,
	launch,
	openNewWorkflow,
	optionsOf,
	searchNodeCreator,
	selectOption,
	setSwitch,
	signIn,
	stackless,
	stepsOnOnePage,
	waitForNdv,
	type Browser,
} from './editor';

const repoDir = resolve(__dirname, '..', '..');
const runDir = join(repoDir, '.e2e', 'browser');
const screenshotsDir = join(repoDir, 'docs', 'screenshots');
const failuresDir = join(runDir, 'failures');

let environment: Environment | undefined;
let state: EnvironmentState;
let browser: Browser | undefined;
let page: Page;
const started = Date.now();
const log = (line: string) => process.stderr.write(`[browser ${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`);
/** The steps share one page: after a failed step the later ones say so instead of failing somewhere odd. */
const step = stepsOnOnePage(() => page, failuresDir, log);

interface BuiltNode {
	description: { codex?: unknown; properties: Array<{ type: string; displayName: string }> };
}

/** The node's description from the built package (dist/), as n8n loads it. */
function builtNode(file: string, exportName: string): BuiltNode {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const NodeClass = (require(join(repoDir, 'dist', 'nodes', file)) as Record<string, new () => BuiltNode>)[exportName];
	return new NodeClass();
}

const noticesOf = (node: BuiltNode) => node.description.properties.filter((property) => property.type === 'notice').map((property) => property.displayName);

/**
 * Why a search for the node can come back empty: n8n's node creator leaves nodes of the "AI" category out of
 * search results unless their codex lists "Root Nodes" under subcategories.AI (or the canvas already holds AI
 * nodes). Named in the failure, so nobody has to dig through the editor's source again.
 */
function codexHint(): string {
	const codex = JSON.parse(readFileSync(join(repoDir, 'nodes', 'Kling', 'Kling.node.json'), 'utf8')) as {
		categories?: string[];
		subcategories?: Record<string, string[]>;
	};
	if (!codex.categories?.includes('AI') || codex.subcategories?.AI?.includes('Root Nodes')) return '';
	return (
		`\n  likely cause: nodes/Kling/Kling.node.json has categories ${JSON.stringify(codex.categories)} and subcategories.AI ` +
		`${JSON.stringify(codex.subcategories?.AI ?? [])}; n8n 2.41's node creator drops "AI" nodes without "Root Nodes" in subcategories.AI ` +
		'from search while the canvas holds no AI node (useViewStacks filterOutAiNodes)'
	);
}

async function screenshot(name: string): Promise<void> {
	mkdirSync(screenshotsDir, { recursive: true });
	// No focused field (its "Tip:" hint covers the next label) and no hover tooltip in the picture.
	await page.evaluate('document.activeElement && document.activeElement.blur()');
	await page.mouse.move(1, 1);
	await page.getByTestId('node-parameters').getByText('Tip:', { exact: false }).first().waitFor({ state: 'hidden', timeout: 3000 }).catch(() => undefined);
	await page.screenshot({ path: join(screenshotsDir, name), animations: 'disabled' });
	log(`saved docs/screenshots/${name}`);
}

beforeAll(async () => {
	if (!existsSync(CHROMIUM)) {
		throw new Error(`${CHROMIUM} is missing: run scripts/browser/install-chromium.sh (Debian's chromium; no browser is downloaded)`);
	}
	const reuse = process.env.BROWSER_E2E_STATE;
	if (reuse) {
		state = readState(resolve(reuse, '..'));
		log(`reusing the environment at ${state.editorUrl}`);
	} else {
		environment = await startEnvironment({
			mode: 'single',
			repoDir,
			runDir,
			build: process.env.BROWSER_E2E_NO_BUILD !== '1',
			log: (line) => process.stderr.write(`${line}\n`),
		});
		state = environment.state;
	}
	browser = await launch(join(runDir, 'chromium'));
	page = browser.page;
	log(`Chromium ${browser.context.browser()?.version() ?? ''} started`);
}, 900_000);

afterAll(async () => {
	await browser?.close();
	await environment?.stop();
}, 60_000);

describe('the Kling node in the n8n editor', () => {
	test('signs in as the owner and opens a new workflow', async () => {
		await step('sign in', async () => {
			await signIn(page, state.editorUrl, E2E_OWNER);
			await openNewWorkflow(page, state.editorUrl);
		});
	});

	test('finds Kling in the node creator and adds "Generate video" (Text to Video)', async () => {
		await step('add Kling', async () => {
			await page.getByTestId('canvas-plus-button').click();
			// What a user does on an empty canvas: open the node creator, type the name.
			const kling = await searchNodeCreator(page, 'add Kling', 'Kling', 'Kling').catch((error: Error) => {
				error.message += codexHint();
				throw error;
			});
			await kling.click();
			await chooseAction(page, 'add Kling', 'Actions', 'Generate video');
			await waitForNdv(page, 'add Kling', 'Kling');
		});
		await step('text to video fields', async () => {
			await expectParameters(page, 'Generate Video + Text to Video', {
				shown: {
					operation: 'Operation',
					mode: 'Mode',
					prompt: 'Prompt',
					duration: 'Duration',
					aspectRatio: 'Aspect Ratio',
					waitMode: 'Wait for Result',
				},
				hidden: ['startImageUrl', 'endImageUrl', 'taskId'],
			});
			await fillText(page, 'text to video fields', 'prompt', 'A paper boat drifts down a rain-soaked street at dusk, neon reflections, slow dolly shot');
			await screenshot('kling-text-to-video.png');
		});
	});

	test('Image to Video shows Start and End Image URL and hides Aspect Ratio', async () => {
		await step('image to video', async () => {
			await selectOption(page, 'image to video', 'mode', 'Image to Video');
			await expectParameters(page, 'Generate Video + Image to Video', {
				shown: {
					prompt: 'Prompt',
					startImageUrl: 'Start Image URL',
					endImageUrl: 'End Image URL',
					duration: 'Duration',
					waitMode: 'Wait for Result',
				},
				hidden: ['aspectRatio', 'taskId'],
			});
			await fillText(page, 'image to video', 'startImageUrl', 'https://example.com/boat-start.jpg');
			await fillText(page, 'image to video', 'endImageUrl', 'https://example.com/boat-end.jpg');
			await screenshot('kling-image-to-video.png');
		});
	});

	test('"Wait (Pause Until Callback)" shows the WEBHOOK_URL notice and drops Callback URL from Additional Fields', async () => {
		await step('pause until callback', async () => {
			const name = 'Wait for Result = Wait (Pause Until Callback)';
			await expectNoNotice(page, `${name}, before`, 'WEBHOOK_URL');
			const addField = page.getByTestId('parameter-item').filter({ hasText: 'Additional Fields' }).getByTestId('collection-parameter-add');
			const before = await optionsOf(page, addField);
			if (!before.includes('Callback URL')) {
				throw stackless(`[${name}] expected "Callback URL" among the Additional Fields while polling\n  the page showed: ${JSON.stringify(before)}`);
			}
			await selectOption(page, name, 'waitMode', 'Wait (Pause Until Callback)');
			await expectNotice(page, name, 'WEBHOOK_URL');
			await expectNoticesAsWritten(page, name, noticesOf(builtNode('Kling/Kling.node.js', 'Kling')));
			const after = await optionsOf(page, addField);
			if (after.includes('Callback URL')) {
				throw stackless(`[${name}] expected no "Callback URL" among the Additional Fields (the node sets it)\n  the page showed: ${JSON.stringify(after)}`);
			}
		});
	});

	test('Get Task Status shows Task ID and hides the generate fields', async () => {
		await step('get task status', async () => {
			await selectOption(page, 'get task status', 'operation', 'Get Task Status');
			await expectParameters(page, 'Get Task Status', {
				shown: { operation: 'Operation', taskId: 'Task ID', waitMode: 'Wait for Result' },
				hidden: ['mode', 'prompt', 'startImageUrl', 'endImageUrl', 'duration', 'aspectRatio'],
			});
			// The callback notice belongs to Generate Video only.
			await expectNoNotice(page, 'Get Task Status', 'WEBHOOK_URL');
			const waitModes = await optionsOf(page, page.getByTestId('node-parameters').getByTestId('parameter-input-waitMode'));
			if (waitModes.includes('Wait (Pause Until Callback)')) {
				throw stackless(`[Get Task Status] expected Wait for Result without "Wait (Pause Until Callback)"\n  the page showed: ${JSON.stringify(waitModes)}`);
			}
			await expectNoticesAsWritten(page, 'Get Task Status notices', noticesOf(builtNode('Kling/Kling.node.js', 'Kling')));
			await fillText(page, 'get task status', 'taskId', 'a1b2c3d4-kling-task');
			await screenshot('kling-get-task-status.png');
			await closeNdv(page);
			await canvasSubtitle(page, 'Get Task Status on the canvas', 'Kling', 'Get Task Status');
		});
	});

	test('Kling Trigger: added from the same entry, shows its fields; Verify With APIXO off hides the download', async () => {
		await step('kling trigger', async () => {
			await openNewWorkflow(page, state.editorUrl);
			await page.getByTestId('canvas-plus-button').click();
			const kling = await searchNodeCreator(page, 'kling trigger', 'Kling', 'Kling');
			await kling.click();
			await chooseAction(page, 'kling trigger', 'Triggers', 'On both');
			await waitForNdv(page, 'kling trigger', 'Kling Trigger');
			await expectParameters(page, 'Kling Trigger', {
				shown: { events: 'Trigger On', verifyWithApi: 'Verify With APIXO', token: 'Token', downloadVideo: 'Download Video' },
				hidden: [],
			});
			await expectNotice(page, 'Kling Trigger', 'Callback URL');
			// Show the Production URL the notice talks about.
			const parameters = page.getByTestId('node-parameters');
			await parameters.getByText('Webhook URLs', { exact: true }).click();
			await parameters.getByText('Production URL', { exact: true }).click();
			const productionUrl = parameters.getByText(/\/webhook\/[\w-]+\/kling$/);
			try {
				await productionUrl.waitFor();
			} catch {
				throw stackless(
					`[Kling Trigger] expected the Production URL <editor>/webhook/<id>/kling under "Webhook URLs"\n  the page showed: ${(await parameters.innerText()).slice(0, 400)}`,
				);
			}
			await screenshot('kling-trigger.png');
			await setSwitch(page, 'Kling Trigger, Verify With APIXO off', 'verifyWithApi', false);
			await expectParameters(page, 'Kling Trigger, Verify With APIXO off', {
				shown: { events: 'Trigger On', verifyWithApi: 'Verify With APIXO', token: 'Token' },
				hidden: ['downloadVideo', 'binaryPropertyName'],
			});
			// The credential is only needed to verify.
			const credential = page.getByTestId('node-parameters').getByTestId('node-credentials-select');
			try {
				await credential.waitFor({ state: 'hidden' });
			} catch {
				throw stackless('[Kling Trigger, Verify With APIXO off] expected no credential field\n  the page showed: the credential select');
			}
			// Last: a wrong notice text should not hide the results above.
			await expectNoticesAsWritten(page, 'Kling Trigger notices', noticesOf(builtNode('KlingTrigger/KlingTrigger.node.js', 'KlingTrigger')));
		});
	});
});
