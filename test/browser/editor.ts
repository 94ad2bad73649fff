/**
 * Driving the n8n 2.41 editor in Debian's Chromium through playwright-core: launch, sign-in, the node creator,
 * the node details view (NDV) and its parameters. Selectors are n8n's own `data-test-id` attributes
 * (`parameter-input-<name>`, `node-creator-search-bar`, `ndv`, ...), read off the editor's DOM.
 *
 * Every check waits (a few seconds at most) for the page to settle, and its failure says what was expected and
 * what the page showed instead.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, selectors, type BrowserContext, type Locator, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** How long one check waits for the editor to react (the whole run is bounded by jest's timeouts). */
const SETTLE_MS = 10_000;

selectors.setTestIdAttribute('data-test-id');

export interface Browser {
	context: BrowserContext;
	page: Page;
	close(): Promise<void>;
}

/**
 * Debian's Chromium, headless, with a fresh profile in `workDir`. The flags keep it off the network: no
 * background services, and every host name but 127.0.0.1/localhost fails to resolve (the editor asks for a few
 * n8n.io and CDN addresses; they fail at once instead of timing out).
 */
export async function launch(workDir: string, viewport = { width: 1440, height: 1000 }): Promise<Browser> {
	mkdirSync(workDir, { recursive: true });
	const profile = mkdtempSync(join(workDir, 'chromium-profile-'));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		viewport,
		deviceScaleFactor: 1,
		locale: 'en-US',
		timezoneId: 'UTC',
		colorScheme: 'light',
		args: [
			'--headless',
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
			'--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
		],
	});
	context.setDefaultTimeout(SETTLE_MS);
	context.setDefaultNavigationTimeout(60_000);
	const page = context.pages()[0] ?? (await context.newPage());
	return {
		context,
		page,
		close: async () => {
			await context.close();
			rmSync(profile, { recursive: true, force: true });
		},
	};
}

/**
 * A failure with the step's name, what was expected and what the page showed. No stack: the message says where,
 * and jest's code frame for these files points at the wrong lines.
 */
export function fail(step: string, expected: string, shown: string): never {
	throw stackless(`[${step}] expected ${expected}\n  the page showed: ${shown}`);
}

export function stackless(message: string): Error {
	const error = new Error(message);
	error.stack = `Error: ${message}`;
	return error;
}

async function waitUntil<T>(probe: () => Promise<T | undefined>, timeoutMs = SETTLE_MS): Promise<T | undefined> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value !== undefined || Date.now() > deadline) return value;
		await new Promise((resolve) => setTimeout(resolve, 150));
	}
}

const squash = (text: string | null | undefined) => (text ?? '').replace(/\s+/g, ' ').trim();

/** Visible texts of the elements `locator` matches, for failure messages. */
export async function visibleTexts(locator: Locator, max = 20, maxLength = 160): Promise<string[]> {
	const texts: string[] = [];
	for (const element of (await locator.filter({ visible: true }).all()).slice(0, max)) {
		texts.push(squash(await element.innerText().catch(() => '')).slice(0, maxLength));
	}
	return texts;
}

// ---------------------------------------------------------------------------------------------------------------
// Sign-in and workflows

/** Signs in through the editor's own form (the browser gets its own session and browser id). */
export async function signIn(page: Page, baseUrl: string, owner: { email: string; password: string }): Promise<void> {
	const step = 'sign in';
	await page.goto(`${baseUrl}signin`);
	await page.locator('input[name="emailOrLdapLoginId"]').fill(owner.email);
	await page.locator('input[name="password"]').fill(owner.password);
	await page.getByTestId('form-submit-button').click();
	try {
		await page.waitForURL((url) => !url.pathname.includes('/signin'), { timeout: 30_000 });
	} catch {
		fail(step, `to leave /signin after signing in as ${owner.email}`, `${page.url()}: ${squash(await page.locator('body').innerText()).slice(0, 300)}`);
	}
}

/** Opens an empty workflow and waits for its canvas ("Add first step"). */
export async function openNewWorkflow(page: Page, baseUrl: string): Promise<void> {
	await page.goto(`${baseUrl}workflow/new`);
	await page.getByTestId('canvas-add-button').waitFor({ timeout: 60_000 });
}

// ---------------------------------------------------------------------------------------------------------------
// Node creator

/**
 * Types `query` into the node creator's search bar and returns the result item named `itemName`. The result
 * list updates a moment after typing, so this waits for that item rather than clicking whatever is listed first.
 */
export async function searchNodeCreator(page: Page, step: string, query: string, itemName: string): Promise<Locator> {
	const search = page.getByTestId('node-creator-search-bar');
	await search.waitFor();
	await search.fill(query);
	const creator = page.getByTestId('node-creator');
	const item = creator
		.getByTestId('item-iterator-item')
		.filter({ has: page.getByTestId('node-creator-item-name').getByText(itemName, { exact: true }) });
	const found = await waitUntil(async () => ((await item.count()) > 0 ? true : undefined));
	if (!found) {
		const listed = await visibleTexts(creator.getByTestId('node-creator-item-name'));
		const noResults = await visibleTexts(creator.getByTestId('node-creator-no-results'));
		fail(
			step,
			`the node creator to list "${itemName}" when searching "${query}"`,
			listed.length ? `items ${JSON.stringify(listed)}` : noResults.length ? JSON.stringify(noResults[0]) : 'an empty list',
		);
	}
	return item.first();
}

/** In a node's action list, opens the category (e.g. "Actions (5)") if it is collapsed, then clicks the action. */
export async function chooseAction(page: Page, step: string, category: string | undefined, action: string): Promise<void> {
	const creator = page.getByTestId('node-creator');
	const item = creator
		.getByTestId('item-iterator-item')
		.filter({ has: page.getByTestId('node-creator-item-name').getByText(action, { exact: true }) });
	if (category && !(await item.isVisible())) {
		await creator.getByTestId('node-creator-category-item').filter({ hasText: category }).first().click();
	}
	const shown = await waitUntil(async () => ((await item.isVisible()) ? true : undefined));
	if (!shown) {
		fail(step, `the action "${action}"${category ? ` under "${category}"` : ''}`, JSON.stringify(await visibleTexts(creator.getByTestId('item-iterator-item'))));
	}
	await item.click();
}

// ---------------------------------------------------------------------------------------------------------------
// Node details view

export async function waitForNdv(page: Page, step: string, title: string): Promise<Locator> {
	const ndv = page.getByTestId('ndv');
	try {
		await ndv.waitFor({ state: 'visible' });
		await ndv.getByTestId('node-parameters').waitFor({ state: 'visible' });
	} catch {
		fail(step, `the node details view of "${title}" to open`, `${page.url()}: ${squash(await page.locator('body').innerText()).slice(0, 300)}`);
	}
	const shownTitle = squash(await ndv.getByTestId('node-title-container').innerText().catch(() => ''));
	if (shownTitle !== title) fail(step, `the node details view titled "${title}"`, `a view titled "${shownTitle}"`);
	return ndv;
}

export interface ShownParameter {
	name: string;
	label: string;
}

/** Top-level parameters the NDV shows now: `parameter-input-<name>` elements and the label of their row. */
export async function shownParameters(page: Page): Promise<ShownParameter[]> {
	const parameters = page.getByTestId('node-parameters');
	const rows = await parameters.getByTestId('parameter-item').filter({ visible: true }).all();
	const shown: ShownParameter[] = [];
	for (const row of rows) {
		const inputs = row.locator('[data-test-id^="parameter-input-"]');
		for (const input of await inputs.all()) {
			const testId = (await input.getAttribute('data-test-id')) ?? '';
			const name = testId.slice('parameter-input-'.length);
			if (!name || name === 'field' || name === 'item' || shown.some((each) => each.name === name)) continue;
			if (!(await input.isVisible())) continue;
			const label = squash(await row.getByTestId('input-label').first().innerText().catch(() => ''))
				.replace(/\s*Fixed\s*Expression$/, '')
				.trim();
			shown.push({ name, label });
		}
	}
	// Collections ("Additional Fields", "Options") have no input of their own: their add button stands for them.
	for (const row of await parameters.getByTestId('parameter-item').filter({ visible: true, has: page.getByTestId('collection-parameter-add') }).all()) {
		const label = squash(await row.getByTestId('input-label').first().innerText().catch(() => ''));
		if (label && !shown.some((each) => each.label === label)) shown.push({ name: `(collection)`, label });
	}
	return shown;
}

export const describeParameters = (shown: ShownParameter[]) => shown.map((each) => `${each.label} [${each.name}]`).join(', ');

/** `name → label` of parameters that must be shown, and names of parameters that must not be. */
export interface PanelExpectation {
	shown: Record<string, string>;
	hidden: string[];
}

/** Waits until the NDV shows exactly the expected fields (of those named), with the expected labels. */
export async function expectParameters(page: Page, step: string, expected: PanelExpectation): Promise<ShownParameter[]> {
	let last: ShownParameter[] = [];
	const problems = (shown: ShownParameter[]) => {
		const out: string[] = [];
		for (const [name, label] of Object.entries(expected.shown)) {
			const found = shown.find((each) => each.name === name);
			if (!found) out.push(`"${label}" (${name}) missing`);
			else if (found.label !== label) out.push(`${name} labelled "${found.label}", not "${label}"`);
		}
		for (const name of expected.hidden) {
			const found = shown.find((each) => each.name === name);
			if (found) out.push(`"${found.label}" (${name}) shown`);
		}
		return out;
	};
	const settled = await waitUntil(async () => {
		last = await shownParameters(page);
		return problems(last).length === 0 ? true : undefined;
	});
	if (!settled) {
		fail(
			step,
			`fields ${Object.values(expected.shown).map((label) => `"${label}"`).join(', ')} shown and ${expected.hidden.join(', ')} hidden ` +
				`(${problems(last).join('; ')})`,
			describeParameters(last) || 'no fields',
		);
	}
	return last;
}

/** The option list of a select that is open now (element-plus renders it in a popper outside the NDV). */
function openOptions(page: Page): Locator {
	return page.getByRole('listbox').filter({ visible: true }).getByRole('option');
}

/** Picks `option` in the options parameter `name` (clicks the select, then the option by its exact title). */
export async function selectOption(page: Page, step: string, name: string, option: string): Promise<void> {
	const input = page.getByTestId('node-parameters').getByTestId(`parameter-input-${name}`);
	if (!(await input.isVisible())) fail(step, `the field ${name} to choose "${option}" in`, describeParameters(await shownParameters(page)));
	await input.click();
	const choice = openOptions(page).filter({ has: page.locator('.option-headline').getByText(option, { exact: true }) });
	const open = await waitUntil(async () => ((await choice.count()) > 0 ? true : undefined));
	if (!open) fail(step, `the option "${option}" in ${name}`, `options ${JSON.stringify(await visibleTexts(openOptions(page)))}`);
	await choice.first().click();
	const chosen = await waitUntil(async () => {
		const value = await input.locator('input').first().evaluate((element) => {
			const field = element as unknown as { value: string; placeholder: string };
			return field.value || field.placeholder;
		});
		return value === option ? value : undefined;
	});
	if (!chosen) fail(step, `${name} to show "${option}" after choosing it`, `"${await input.locator('input').first().inputValue()}"`);
}

/** The titles of the options a select offers, read by opening it (closed again with Escape). */
export async function optionsOf(page: Page, locator: Locator): Promise<string[]> {
	await locator.click();
	const headlines = openOptions(page);
	await waitUntil(async () => ((await headlines.count()) > 0 ? true : undefined));
	const titles: string[] = [];
	for (const option of await headlines.all()) {
		const headline = option.locator('.option-headline');
		titles.push(squash((await headline.count()) > 0 ? await headline.first().innerText() : await option.innerText()));
	}
	await page.keyboard.press('Escape');
	await waitUntil(async () => ((await headlines.count()) === 0 ? true : undefined), 3000);
	return titles;
}

/** Types into a text parameter (`parameter-input-<name>`), replacing what it held. */
export async function fillText(page: Page, step: string, name: string, value: string): Promise<void> {
	const field = page.getByTestId('node-parameters').getByTestId(`parameter-input-${name}`).getByTestId('parameter-input-field');
	if (!(await field.isVisible())) fail(step, `a text field ${name}`, describeParameters(await shownParameters(page)));
	await field.fill(value);
}

/** Turns a boolean parameter on or off by clicking its switch (element-plus keeps the checkbox itself invisible). */
export async function setSwitch(page: Page, step: string, name: string, on: boolean): Promise<void> {
	const input = page.getByTestId('node-parameters').getByTestId(`parameter-input-${name}`);
	const control = input.locator('.el-switch');
	const state = async () => await input.getByRole('switch').getAttribute('aria-checked');
	if (!(await control.isVisible())) fail(step, `a switch ${name}`, describeParameters(await shownParameters(page)));
	if ((await state()) !== String(on)) await control.click();
	const done = await waitUntil(async () => ((await state()) === String(on) ? true : undefined));
	if (!done) fail(step, `${name} switched ${on ? 'on' : 'off'}`, `aria-checked=${await state()}`);
}

/** Waits for a notice in the NDV whose text contains `text`, and returns its whole text. */
export async function expectNotice(page: Page, step: string, text: string): Promise<string> {
	const notices = page.getByTestId('node-parameters').locator('.notice');
	const notice = notices.filter({ hasText: text, visible: true });
	const shown = await waitUntil(async () => ((await notice.count()) > 0 ? true : undefined));
	if (!shown) fail(step, `a notice mentioning "${text}"`, `notices ${JSON.stringify(await visibleTexts(notices))}`);
	return squash(await notice.first().innerText());
}

export async function expectNoNotice(page: Page, step: string, text: string): Promise<void> {
	const notices = page.getByTestId('node-parameters').locator('.notice');
	const gone = await waitUntil(async () => ((await notices.filter({ hasText: text, visible: true }).count()) === 0 ? true : undefined));
	if (!gone) fail(step, `no notice mentioning "${text}"`, `notices ${JSON.stringify(await visibleTexts(notices))}`);
}

export async function closeNdv(page: Page): Promise<void> {
	await page.getByTestId('ndv-close-button').click();
	await page.getByTestId('ndv').waitFor({ state: 'hidden' });
}

/** The subtitle of a canvas node (the text under its name), e.g. "Text to Video". */
export async function canvasSubtitle(page: Page, step: string, nodeName: string, subtitle: string): Promise<void> {
	const nodes = page.getByTestId('canvas-node');
	const node = nodes.filter({ hasText: nodeName });
	const shown = await waitUntil(async () => {
		for (const each of await node.all()) if (squash(await each.innerText()).includes(subtitle)) return true;
		return undefined;
	});
	if (!shown) fail(step, `the canvas node "${nodeName}" subtitled "${subtitle}"`, `canvas nodes ${JSON.stringify(await visibleTexts(nodes))}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Notices as written

/** Tags n8n's notices are meant to render (links, emphasis, code, line breaks). */
const NOTICE_TAGS = /<\/?(a|b|strong|i|em|code|br|p|span|ul|ol|li)(\s[^>]*)?\/?>/gi;

/**
 * n8n renders a notice's displayName as HTML: text such as `<your token>` is taken for a tag and vanishes.
 * Each notice shown must read as its displayName with only real HTML tags removed.
 */
export async function expectNoticesAsWritten(page: Page, step: string, written: string[]): Promise<void> {
	const notices = await visibleTexts(page.getByTestId('node-parameters').locator('.notice'), 20, 10_000);
	for (const shown of notices) {
		if (written.some((text) => squash(text.replace(NOTICE_TAGS, '')) === shown)) continue;
		const swallowed = written.find((text) => squash(text.replace(/<[^>]*>/g, '')) === shown);
		if (swallowed) {
			const lost = (swallowed.replace(NOTICE_TAGS, '').match(/<[^>]*>/g) ?? []).join(' ');
			fail(step, `the notice to read as written: "${squash(swallowed)}" (n8n renders notices as HTML and drops ${lost})`, `"${shown}"`);
		}
	}
}

// ---------------------------------------------------------------------------------------------------------------
// Running a workflow and reading its output

/** A node on the canvas by its name (n8n's `data-node-name`). */
export function canvasNode(page: Page, nodeName: string): Locator {
	return page.locator(`[data-test-id="canvas-node"][data-node-name="${nodeName.replace(/"/g, '\\"')}"]`);
}

/** Opens a saved workflow by its editor link and waits for its canvas to show `nodeName`. */
export async function openWorkflow(page: Page, step: string, url: string, nodeName: string): Promise<void> {
	await page.goto(url);
	try {
		await canvasNode(page, nodeName).waitFor({ timeout: 60_000 });
	} catch {
		fail(step, `the workflow at ${url} with a node "${nodeName}"`, `${page.url()}: ${squash(await page.locator('body').innerText()).slice(0, 300)}`);
	}
}

/**
 * Clicks "Execute workflow" and waits until the canvas node `lastNode` shows success. A node that shows issues
 * instead ends the wait, and the failure names the nodes and n8n's error text.
 */
export async function executeWorkflow(page: Page, step: string, lastNode: string, timeoutMs = 90_000): Promise<void> {
	await page.getByTestId('execute-workflow-button').first().click();
	const success = canvasNode(page, lastNode).getByTestId('canvas-node-status-success');
	const issues = page.locator('[data-test-id="canvas-node"]').filter({ has: page.getByTestId('node-issues') });
	const outcome = await waitUntil(async () => {
		if (await success.isVisible()) return 'success';
		if ((await issues.count()) > 0) return 'issues';
		return undefined;
	}, timeoutMs);
	if (outcome === 'success') return;
	const failed = await Promise.all((await issues.all()).map(async (node) => await node.getAttribute('data-node-name')));
	const toasts = await visibleTexts(page.locator('.el-notification'), 5, 400);
	fail(
		step,
		`"${lastNode}" to run successfully after "Execute workflow"`,
		outcome === 'issues' ? `issues on ${JSON.stringify(failed)}; notifications ${JSON.stringify(toasts)}` : `no result within ${timeoutMs / 1000} s; notifications ${JSON.stringify(toasts)}`,
	);
}

/** Opens a canvas node's details view (double-click), as a user does to see its output. */
export async function openCanvasNode(page: Page, step: string, nodeName: string): Promise<Locator> {
	await canvasNode(page, nodeName).dblclick();
	return await waitForNdv(page, step, nodeName);
}

export interface ShownBinary {
	/** The binary property's name, e.g. "data". */
	property: string;
	fileName: string;
	mimeType: string;
}

/** Switches the NDV's output to its Binary view and reads the first item's first binary property. */
export async function showBinaryOutput(page: Page, step: string): Promise<ShownBinary> {
	const output = page.getByTestId('output-panel');
	const modes = output.getByTestId('ndv-run-data-display-mode');
	const binaryMode = modes.getByText('Binary', { exact: true });
	const offered = await waitUntil(async () => ((await binaryMode.count()) > 0 ? true : undefined));
	if (!offered) fail(step, 'the output to offer a Binary view', `display modes ${JSON.stringify(await visibleTexts(modes))}; output ${squash(await output.innerText()).slice(0, 300)}`);
	await binaryMode.first().click();
	const item = output.getByTestId('ndv-binary-data_0').first();
	try {
		await item.waitFor();
	} catch {
		fail(step, 'a binary item in the Binary view', squash(await output.innerText()).slice(0, 300));
	}
	// Rows of "<label>: <value>" under the property's name, e.g. "File Name: task_1.mp4".
	const lines = (await item.innerText()).split('\n').map((line) => line.trim()).filter(Boolean);
	const valueOf = (label: string) => {
		const index = lines.findIndex((line) => line.replace(/:$/, '') === label);
		return index >= 0 ? (lines[index + 1] ?? '') : '';
	};
	return { property: lines[0] ?? '', fileName: valueOf('File Name'), mimeType: valueOf('Mime Type') };
}

export interface PlayedVideo {
	/** HTMLMediaElement.readyState when it could play (4 = HAVE_ENOUGH_DATA). */
	readyState: number;
	/** Seconds, from the file's own header. */
	duration: number;
	videoWidth: number;
	videoHeight: number;
	/** The position reached while playing. */
	currentTime: number;
}

/**
 * Plays a video element muted (so the browser allows it) until its position moves. A file the browser cannot
 * decode fails with the media error; `what` names the video in that failure.
 */
export async function playVideo(video: Locator, step: string, what: string, timeoutMs = 30_000): Promise<PlayedVideo> {
	const probe = async () =>
		await video.evaluate(async (element) => {
			const media = element as unknown as {
				readyState: number;
				duration: number;
				videoWidth: number;
				videoHeight: number;
				currentTime: number;
				muted: boolean;
				paused: boolean;
				error: { code: number; message: string } | null;
				play(): Promise<void>;
			};
			media.muted = true;
			if (media.paused && media.readyState >= 2) await media.play().catch(() => undefined);
			const { readyState, duration, videoWidth, videoHeight, currentTime, error } = media;
			return { readyState, duration, videoWidth, videoHeight, currentTime, error: error ? `${error.code} ${error.message}` : '' };
		});
	let last = await probe();
	const played = await waitUntil(async () => {
		last = await probe();
		if (last.error) return last;
		return last.currentTime > 0 && last.videoWidth > 0 ? last : undefined;
	}, timeoutMs);
	if (!played || played.error) fail(step, `${what} to play`, `a video element with ${JSON.stringify(last)}`);
	const { readyState, duration, videoWidth, videoHeight, currentTime } = played;
	return { readyState, duration, videoWidth, videoHeight, currentTime };
}

/** Clicks "View" on the first binary item of the NDV's output and plays the video n8n's viewer shows. */
export async function playBinaryVideo(page: Page, step: string): Promise<PlayedVideo> {
	const output = page.getByTestId('output-panel');
	await output.getByTestId('ndv-view-binary-data').first().click();
	const video = output.locator('video').filter({ visible: true }).first();
	try {
		await video.waitFor();
	} catch {
		fail(step, "a video in n8n's binary viewer after clicking View", squash(await output.innerText()).slice(0, 300));
	}
	return await playVideo(video, step, "the video in n8n's binary viewer");
}

/** Opens a video file from disk in the browser (its own media page) and plays it. */
export async function playVideoFile(page: Page, step: string, path: string): Promise<PlayedVideo> {
	await page.goto(pathToFileURL(path).href);
	const video = page.locator('video').first();
	try {
		await video.waitFor();
	} catch {
		fail(step, `a video player for ${path}`, squash(await page.locator('body').innerText()).slice(0, 300));
	}
	return await playVideo(video, step, path);
}

/** Stops a video at `seconds`, so a screenshot shows the same frame every time. */
export async function pauseVideoAt(video: Locator, seconds: number): Promise<void> {
	await video.evaluate(async (element, at) => {
		const media = element as unknown as { currentTime: number; pause(): void; addEventListener(name: string, listener: () => void, options: object): void };
		media.pause();
		await new Promise<void>((resolve) => {
			media.addEventListener('seeked', () => resolve(), { once: true });
			media.currentTime = at;
		});
	}, seconds);
}

/**
 * Named steps over one page: each logs its time; a failed one leaves a screenshot in `failuresDir`, named in its
 * error, and the steps after it say which step broke instead of failing somewhere odd.
 */
export function stepsOnOnePage(
	currentPage: () => Page | undefined,
	failuresDir: string,
	log: (line: string) => void,
): (name: string, body: () => Promise<void>) => Promise<void> {
	let brokenAt: string | undefined;
	return async (name, body) => {
		if (brokenAt) throw stackless(`[${name}] not run: the step "${brokenAt}" failed before it (same page)`);
		const begun = Date.now();
		try {
			await body();
			log(`${name}: ok in ${((Date.now() - begun) / 1000).toFixed(1)} s`);
		} catch (error) {
			brokenAt = name;
			const file = join(failuresDir, `${name.replace(/[^\w]+/g, '-')}.png`);
			try {
				mkdirSync(failuresDir, { recursive: true });
				await currentPage()?.screenshot({ path: file });
				const failure = error as Error;
				failure.message += `\n  screenshot of the page: ${file}`;
				if (failure.stack?.startsWith('Error: [')) failure.stack = `Error: ${failure.message}`;
			} catch {
				// no page to show
			}
			throw error;
		}
	};
}
