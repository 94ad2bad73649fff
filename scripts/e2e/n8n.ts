/**
 * n8n itself: the cached install, the package installed as a community package, the CLI, and the HTTP calls
 * the environment needs (owner set-up, an API key, publishing workflows, waiting for their webhooks).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { http, type HttpAnswer } from './http';
import { run } from './processes';

export interface Toolchain {
	/** Folder of the `node` and `npm` that run n8n (the Node scripts/n8n-versions.txt gives this n8n version). */
	nodeBin: string;
	/** Folder of the cached n8n's `n8n`. */
	n8nBin: string;
	n8nVersion: string;
	nodeVersion: string;
}

/**
 * The n8n version the e2e environment runs: `E2E_N8N_VERSION`, else the first line of scripts/n8n-versions.txt.
 */
export function wantedN8nVersion(repoDir: string): string {
	return process.env.E2E_N8N_VERSION || run('bash', ['scripts/n8n-version.sh'], { cwd: repoDir }).trim().split(' ')[0];
}

/**
 * n8n and the Node it runs on, from the cache outside the clone: scripts/n8n-install.sh installs them once and
 * prints Node's bin folder, then n8n's.
 */
export function toolchain(repoDir: string, n8nVersion = wantedN8nVersion(repoDir)): Toolchain {
	const printed = run('bash', ['scripts/n8n-install.sh', n8nVersion], { cwd: repoDir, timeoutMs: 20 * 60_000 }).trim().split('\n');
	const [nodeBin, n8nBin] = printed.slice(-2);
	if (!existsSync(join(n8nBin, 'n8n'))) throw new Error(`scripts/n8n-install.sh printed ${n8nBin}, which has no n8n`);
	if (!existsSync(join(nodeBin, 'node'))) throw new Error(`scripts/n8n-install.sh printed ${nodeBin}, which has no node`);
	const installed = JSON.parse(readFileSync(join(n8nBin, '..', 'n8n', 'package.json'), 'utf8')).version as string;
	const nodeVersion = run(join(nodeBin, 'node'), ['--version']).trim().replace(/^v/, '');
	return { nodeBin, n8nBin, n8nVersion: installed, nodeVersion };
}

/** The major version of an n8n version ("1.85.4" → 1). */
export function n8nMajor(tools: Toolchain): number {
	return Number(tools.n8nVersion.split('.')[0]);
}

/**
 * n8n's settings that keep it from calling n8n's own services, which cannot be reached here (each failure logs a
 * stack trace) and which a test or the demo has no use for: telemetry, the version check and "what's new",
 * templates, banners, the onboarding survey, the vetted community-node list, and in 2.x the MCP
 * server registry (a system task that fetches api.n8n.io at start and every 8 hours; only a module switch turns it
 * off, and n8n refuses a module name it does not know, so it is named only when this n8n has that module).
 */
export function offlineSettings(tools: Toolchain): Record<string, string> {
	const settings: Record<string, string> = {
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_WHATS_NEW_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_DYNAMIC_BANNERS_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_VERIFIED_PACKAGES_ENABLED: 'false',
	};
	if (existsSync(join(tools.n8nBin, '..', 'n8n', 'dist', 'modules', 'mcp-registry'))) settings.N8N_DISABLED_MODULES = 'mcp-registry';
	return settings;
}

export function pathWith(nodeBin: string): string {
	return `${nodeBin}:${process.env.PATH ?? ''}`;
}

/** Builds the package (dist/) and the tools (build/: the simulator, these scripts) on the project's Node (this process's). */
export function buildPackage(repoDir: string): void {
	const env = { ...process.env, PATH: pathWith(dirname(process.execPath)) };
	run('npm', ['run', '--silent', 'build'], { cwd: repoDir, env });
	run('npx', ['tsc', '-p', 'tsconfig.tools.json'], { cwd: repoDir, env });
}

export interface PackedPackage {
	tarball: string;
	name: string;
	version: string;
	/** Files in package.json's `n8n` section that the tarball lacks. */
	missing: string[];
}

/** `npm pack`, as a publish would: the tarball holds exactly what users get from the registry. */
export function packPackage(repoDir: string, outDir: string, tools: Toolchain): PackedPackage {
	mkdirSync(outDir, { recursive: true });
	const env = { ...process.env, PATH: pathWith(tools.nodeBin) };
	const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', outDir], { cwd: repoDir, env })) as Array<{
		filename: string;
		name: string;
		version: string;
		files: Array<{ path: string }>;
	}>;
	const manifest = JSON.parse(readFileSync(join(repoDir, 'package.json'), 'utf8')) as {
		n8n: { nodes?: string[]; credentials?: string[] };
	};
	const inTarball = new Set(packed.files.map((file) => file.path));
	const listed = [...(manifest.n8n.nodes ?? []), ...(manifest.n8n.credentials ?? [])];
	return {
		tarball: join(outDir, basename(packed.filename)),
		name: packed.name,
		version: packed.version,
		missing: listed.filter((file) => !inTarball.has(file)),
	};
}

/**
 * Installs the tarball the way n8n's own community-package installer does (CommunityPackagesService.downloadPackage
 * in n8n 2.41): unpack into `<user folder>/.n8n/nodes/node_modules/<name>`, drop dev/peer/optional dependencies
 * from its package.json, `npm install` its runtime dependencies there, and list it in `nodes/package.json`.
 * At start every n8n process (main, worker, webhook) scans that node_modules for `n8n-nodes-*` packages
 * (CommunityPackagesModule.nodeLoaders), so node types are `<package>.<node>`, as for a user's install.
 * With `dropMissing`, entries of the `n8n` section whose file is not in the package are removed from the
 * installed copy (n8n refuses the whole package otherwise) — only for running while a node is being written.
 */
export function installCommunityPackage(packed: PackedPackage, userFolder: string, tools: Toolchain, dropMissing = false): string {
	const nodesFolder = join(userFolder, '.n8n', 'nodes');
	const packageFolder = join(nodesFolder, 'node_modules', packed.name);
	rmSync(packageFolder, { recursive: true, force: true });
	mkdirSync(packageFolder, { recursive: true });
	const tarball = join(nodesFolder, basename(packed.tarball));
	copyFileSync(packed.tarball, tarball);
	run('tar', ['-xzf', tarball, '-C', packageFolder, '--strip-components=1']);
	rmSync(tarball);

	const manifestPath = join(packageFolder, 'package.json');
	const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
	delete manifest.devDependencies;
	delete manifest.peerDependencies;
	delete manifest.optionalDependencies;
	if (dropMissing && packed.missing.length > 0) {
		for (const section of ['nodes', 'credentials'] as const) {
			manifest.n8n[section] = (manifest.n8n[section] ?? []).filter((file: string) => !packed.missing.includes(file));
		}
	}
	writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
	run(
		'npm',
		['install', '--audit=false', '--fund=false', '--bin-links=false', '--install-strategy=shallow', '--ignore-scripts=true', '--package-lock=false'],
		{ cwd: packageFolder, env: { ...process.env, PATH: pathWith(tools.nodeBin) } },
	);
	writeFileSync(
		join(nodesFolder, 'package.json'),
		JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { [packed.name]: packed.version } }, null, 2),
	);
	return packageFolder;
}

/** Runs an n8n CLI command (2–4 s each: batch the work). */
export function n8nCli(tools: Toolchain, args: string[], env: NodeJS.ProcessEnv, cwd: string): string {
	return run(join(tools.n8nBin, 'n8n'), args, { env, cwd, timeoutMs: 120_000 });
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP

export const BROWSER_ID = 'apixo-kling-e2e';

export interface Owner {
	email: string;
	password: string;
}

export const E2E_OWNER: Owner = { email: 'e2e@example.com', password: 'E2e-Tests-Passw0rd' };

const call = http;

function expectOk(answer: HttpAnswer, what: string): unknown {
	if (answer.status < 200 || answer.status > 299) throw new Error(`${what}: HTTP ${answer.status} ${answer.text.slice(0, 500)}`);
	return answer.text ? JSON.parse(answer.text) : undefined;
}

/**
 * While n8n starts, its REST routes answer 404, 5xx, or (seen once) a 2xx that is not the route's JSON yet:
 * all of these mean "try again".
 */
function startingUp(answer: HttpAnswer): boolean {
	if (answer.status === 404 || answer.status >= 500) return true;
	if (answer.status < 200 || answer.status > 299) return false;
	try {
		JSON.parse(answer.text);
		return false;
	} catch {
		return true;
	}
}

/**
 * Sets up the instance owner (a fresh n8n has none) and returns the session cookie for the internal REST API.
 * n8n answers /healthz (and even /rest/settings) a few seconds before its other REST routes exist: until then
 * this route is tried again (see startingUp).
 */
export async function setupOwner(baseUrl: string, owner: Owner = E2E_OWNER, timeoutMs = 90_000): Promise<string> {
	const deadline = Date.now() + timeoutMs;
	let response: HttpAnswer;
	for (;;) {
		response = await call(`${baseUrl}rest/owner/setup`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'browser-id': BROWSER_ID },
			body: JSON.stringify({ email: owner.email, firstName: 'E2E', lastName: 'Tests', password: owner.password }),
		});
		if (Date.now() > deadline || !startingUp(response)) break;
		await new Promise((resolve) => setTimeout(resolve, 300));
	}
	expectOk(response, 'owner set-up');
	const cookie = [response.headers['set-cookie'] ?? []].flat().find((line) => line.startsWith('n8n-auth='));
	if (!cookie) throw new Error('owner set-up: no n8n-auth cookie in the answer');
	return cookie.split(';')[0];
}

/**
 * An API key for n8n's public REST API (/api/v1). n8n has no CLI for keys: the owner creates one through the
 * internal REST API, as the editor's Settings > n8n API page does. Keys carry scopes from n8n 1.9x on (every
 * scope the owner may grant, from /rest/api-keys/scopes); older n8n (1.85) has no such route and keys without
 * scopes, which may do everything.
 */
export async function createApiKey(baseUrl: string, cookie: string): Promise<string> {
	const headers = { cookie, 'browser-id': BROWSER_ID, 'content-type': 'application/json' };
	const scopesAnswer = await call(`${baseUrl}rest/api-keys/scopes`, { headers });
	const scopes = scopesAnswer.status === 404 ? undefined : (expectOk(scopesAnswer, 'API key scopes') as { data: string[] }).data;
	const created = expectOk(
		await call(`${baseUrl}rest/api-keys`, {
			method: 'POST',
			headers,
			body: JSON.stringify({ label: 'e2e', expiresAt: null, ...(scopes ? { scopes } : {}) }),
		}),
		'API key',
	) as { data: { rawApiKey: string } };
	return created.data.rawApiKey;
}

/**
 * Publishes (activates) workflows through the public API. One HTTP call each instead of one
 * `n8n publish:workflow` process each (2–4 s apiece, and only read at start). The call returns before the
 * triggers are registered (n8n 2.41 publishes through an outbox): wait with waitForWebhooks.
 */
export async function publishWorkflows(baseUrl: string, apiKey: string, workflowIds: string[]): Promise<void> {
	for (const id of workflowIds) {
		expectOk(
			await call(`${baseUrl}api/v1/workflows/${encodeURIComponent(id)}/activate`, { method: 'POST', headers: { 'X-N8N-API-KEY': apiKey } }),
			`publishing workflow ${id}`,
		);
	}
}

/**
 * Whether a production webhook path is registered, without running its workflow: our webhooks take POST, and
 * a GET to a registered path gets "not registered for GET requests", while an unknown path gets
 * `The requested webhook "GET …" is not registered.`
 */
export async function isWebhookRegistered(webhookBaseUrl: string, path: string): Promise<boolean> {
	const { status, text } = await call(`${webhookBaseUrl}webhook/${path}`, { timeoutMs: 10_000 });
	if (status !== 404) return true;
	return /not registered for GET requests/i.test(text);
}

interface WorkflowNode {
	name: string;
	type: string;
	disabled?: boolean;
	webhookId?: string;
	parameters?: Record<string, unknown>;
}

export interface WebhookDescriptionLike {
	path?: string;
	isFullPath?: boolean;
	restartWebhook?: boolean;
}

/**
 * Production webhook paths of a workflow's trigger nodes, as n8n builds them (NodeHelpers.getNodeWebhookPath):
 * the Webhook node's `path`; for other nodes `<webhookId>/<description path>`.
 */
export function webhookPaths(
	nodes: WorkflowNode[],
	describe: (type: string) => WebhookDescriptionLike[] | undefined,
): string[] {
	const paths: string[] = [];
	for (const node of nodes) {
		if (node.disabled) continue;
		if (node.type === 'n8n-nodes-base.webhook' || node.type === 'n8n-nodes-base.formTrigger') {
			const path = String(node.parameters?.path ?? node.webhookId ?? '');
			if (path && !path.includes(':')) paths.push(path);
			continue;
		}
		for (const webhook of describe(node.type) ?? []) {
			if (webhook.restartWebhook || !node.webhookId) continue;
			const path = (webhook.path ?? '').replace(/^\/+/, '');
			paths.push(webhook.isFullPath ? path || node.webhookId : `${node.webhookId}/${path}`);
		}
	}
	return paths;
}
