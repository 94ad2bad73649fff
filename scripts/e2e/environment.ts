/**
 * A real n8n with this package installed as a community package, alone (`single`) or as a queue-mode cluster
 * (Redis, PostgreSQL, main + worker + webhook processes), an `apixoApi` credential pointing at the APIXO
 * simulator (or at the real API), and workflows imported with n8n's CLI and published.
 *
 * Everything listens on 127.0.0.1, lives in the run folder, and is stopped by `stop()` — only the processes
 * started here, by PID. A run killed before it could stop is cleaned up by the next run in the same folder.
 */
import { createServer, type Server } from 'node:http';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
	BROWSER_ID,
	buildPackage,
	createApiKey,
	installCommunityPackage,
	isWebhookRegistered,
	n8nCli,
	offlineSettings,
	packPackage,
	pathWith,
	publishWorkflows,
	setupOwner,
	toolchain,
	webhookPaths,
	type Toolchain,
	type WebhookDescriptionLike,
} from './n8n';
import { http } from './http';
import { firstFreePort, freePorts, logTail, startProcess, stopLeftovers, stopProcess, waitFor, type Started } from './processes';
import { ensureQueueServices, removePostgresFolder, startPostgres, startRedis } from './services';
import { startSimulatorProcess, type SimulatorSettings } from './simulator';
import { startLoadBalancer, type LoadBalancer } from './loadBalancer';
import { CHAT_MODEL_API_KEY, startChatModelProcess } from './chatModel';

/**
 * single: one n8n. queue: main + worker + webhook process. scaled: main + 2 workers + 2 webhook processes behind a
 * round-robin load balancer (loadBalancer.ts), as operators deploy queue mode.
 */
export type Mode = 'single' | 'queue' | 'scaled';

export interface EnvironmentOptions {
	mode: Mode;
	repoDir: string;
	/** The n8n version to run (installed into the cache once); default E2E_N8N_VERSION, else the first of scripts/n8n-versions.txt. */
	n8nVersion?: string;
	/** Emptied first (after stopping what a killed run left there), except `files` with keepFiles. Only its owner may enter it. */
	runDir: string;
	/** Keep <runDir>/files, the folder file nodes write to, from one start to the next (the demo: what users saved). */
	keepFiles?: boolean;
	/** The editor's port (the main process): the first of these that is free once what an earlier run left is stopped, else any free one. */
	editorPorts?: number[];
	/** Folder of workflow JSON files, imported with `n8n import:workflow --separate`. */
	workflowsDir?: string;
	/** Workflow ids to publish once n8n runs; default: the imported files with `"active": true`. */
	publish?: string[];
	/** Use this APIXO instead of starting the simulator. */
	apixo?: { baseUrl: string; apiKey: string };
	simulator?: SimulatorSettings;
	/** Build dist/ and build/ first (default true). */
	build?: boolean;
	/** Install even if a node listed in package.json is not built yet, leaving it out (see installCommunityPackage). */
	dropMissingNodes?: boolean;
	workerConcurrency?: number;
	/**
	 * Queue modes: binary data in n8n's queue-mode default (the database in n8n 2.x) unless 'filesystem', which puts it
	 * in one folder of the run folder that every process uses (as a volume shared by all machines).
	 */
	binaryDataMode?: 'filesystem';
	/**
	 * Serve /processes/<name>/kill, /stop and /start on 127.0.0.1 so tests in other processes can crash (SIGKILL), stop
	 * (SIGTERM) and start again an n8n process or Redis.
	 */
	control?: boolean;
	log?: (line: string) => void;
}

export const CREDENTIAL = { id: 'apixoAccount0001', name: 'APIXO account', type: 'apixoApi' };
/** An `openAiApi` credential whose Base URL is the stand-in chat model (test/llm): agent workflows run without OpenAI. */
export const OPENAI_CREDENTIAL = { id: 'openAiStandIn001', name: 'OpenAI (local stand-in)', type: 'openAiApi' };

/** What tests and tools need to reach the environment; written to <runDir>/state.json. */
export interface EnvironmentState {
	mode: Mode;
	runDir: string;
	userFolder: string;
	/** The only folder file nodes may read and write (N8N_RESTRICT_FILE_ACCESS_TO). */
	filesFolder: string;
	n8nVersion: string;
	/** The Node.js version n8n runs on. */
	nodeVersion: string;
	/** The main process: editor, REST and public API. Ends with '/'. */
	editorUrl: string;
	/** Where production webhooks and resume URLs are served (the webhook process in queue mode, the load balancer in scaled mode). Ends with '/'. */
	webhookUrl: string;
	/** The webhook processes by name with their own URLs (ending with '/'), behind webhookUrl in scaled mode; none in single mode. */
	webhookProcesses: Array<{ name: string; url: string }>;
	/** The names of the worker processes (for kill/start); none in single mode. */
	workers: string[];
	/** For n8n's public API (/api/v1): header X-N8N-API-KEY. */
	apiKey: string;
	/** The owner's session for the internal REST API (/rest, /types): headers cookie and browser-id. */
	session: { cookie: string; browserId: string };
	/** The environment of the n8n processes, for CLI calls against this instance (n8n execute, export). */
	cliEnv: Record<string, string>;
	n8nBin: string;
	credential: { id: string; name: string };
	simulatorUrl?: string;
	/** The simulator's --time-scale (default task durations and callback retry delays are multiplied by it). */
	simulatorTimeScale?: number;
	/** The stand-in chat model's Base URL (…/v1); its recorded requests are at <origin>/__llm/requests. */
	chatModelUrl: string;
	/** The `openAiApi` credential pointing at it. */
	openAiCredential: { id: string; name: string };
	controlUrl?: string;
	/** Imported workflows: id → name. */
	workflows: Record<string, string>;
	published: string[];
	logs: Record<string, string>;
	pids: Record<string, number>;
}

export interface Environment {
	state: EnvironmentState;
	processes: Map<string, Started>;
	kill(name: string): Promise<void>;
	/** SIGTERM, as an orchestrator stops a container (SIGKILL if it outlives n8n's graceful shutdown). */
	stopOne(name: string): Promise<void>;
	/** Starts again an n8n process (a worker or webhook process on a fresh user folder), or Redis on its port. */
	start(name: string): Promise<void>;
	stop(): Promise<void>;
}

interface ProcessSpec {
	name: string;
	args: string[];
	env: NodeJS.ProcessEnv;
	health: string;
	/** Its own N8N_USER_FOLDER, as on its own machine; a restart gets a fresh one (a replacement machine). */
	ownFolder?: string;
}

const ENCRYPTION_KEY = 'apixo-kling-e2e-encryption-key';

/** The inherited environment without n8n's settings: a unit-test N8N_USER_FOLDER must not leak in, nor jest's NODE_ENV=test (n8n then refuses to load nodes). */
function cleanEnv(): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {};
	for (const [key, value] of Object.entries(process.env)) {
		if (/^(N8N_|DB_|QUEUE_|EXECUTIONS_|WEBHOOK_URL$|GENERIC_TIMEZONE$|NODE_OPTIONS$|NODE_ENV$|JEST_|TS_JEST)/.test(key)) continue;
		env[key] = value;
	}
	return env;
}

function readWorkflows(dir: string | undefined): Array<{ id: string; name: string; active: boolean; nodes: never[] }> {
	if (!dir || !existsSync(dir)) return [];
	return readdirSync(dir)
		.filter((file) => file.endsWith('.json'))
		.sort()
		.map((file) => {
			const workflow = JSON.parse(readFileSync(join(dir, file), 'utf8'));
			if (!workflow.id) throw new Error(`${file}: a workflow imported by the e2e environment needs an "id"`);
			return workflow;
		});
}

/** Webhook descriptions of this package's nodes, read from the built package (for waiting on their webhooks). */
function packageWebhooks(repoDir: string): (type: string) => WebhookDescriptionLike[] | undefined {
	const manifest = JSON.parse(readFileSync(join(repoDir, 'package.json'), 'utf8')) as { name: string; n8n: { nodes: string[] } };
	const byType = new Map<string, WebhookDescriptionLike[]>();
	for (const file of manifest.n8n.nodes) {
		const path = join(repoDir, file);
		if (!existsSync(path)) continue;
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const exported = require(path) as Record<string, unknown>;
		for (const NodeClass of Object.values(exported)) {
			if (typeof NodeClass !== 'function' || !/\bdescription\b/.test(NodeClass.toString())) continue;
			let description: { name?: string; webhooks?: WebhookDescriptionLike[] } | undefined;
			try {
				description = (new (NodeClass as new () => { description?: typeof description })()).description;
			} catch {
				continue; // a helper export, not a node
			}
			if (description?.name) byType.set(`${manifest.name}.${description.name}`, description.webhooks ?? []);
		}
	}
	return (type) => byType.get(type);
}

export async function startEnvironment(options: EnvironmentOptions): Promise<Environment> {
	const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
	const started = Date.now();
	const step = (what: string) => log(`[e2e ${((Date.now() - started) / 1000).toFixed(1)}s] ${what}`);
	const repoDir = resolve(options.repoDir);
	const runDir = resolve(options.runDir);
	const userFolder = join(runDir, 'n8n');
	const filesFolder = join(runDir, 'files');
	const processes = new Map<string, Started>();
	const specs = new Map<string, ProcessSpec>();
	let control: Server | undefined;
	let balancer: LoadBalancer | undefined;
	let stopping: Promise<void> | undefined;

	const leftovers = await stopLeftovers(runDir);
	if (leftovers.length > 0) step(`stopped what an earlier run left: ${leftovers.join(', ')}`);
	removePostgresFolder(runDir);
	if (options.keepFiles && existsSync(runDir)) {
		for (const entry of readdirSync(runDir)) if (entry !== 'files') rmSync(join(runDir, entry), { recursive: true, force: true });
	} else {
		rmSync(runDir, { recursive: true, force: true });
	}
	// state.json, n8n's database and the logs hold keys: the run folder is its owner's alone.
	mkdirSync(userFolder, { recursive: true, mode: 0o700 });
	chmodSync(runDir, 0o700);
	mkdirSync(filesFolder, { recursive: true });

	// Last resort if the caller dies without stop(): no process group outlives this one.
	const killAll = () => {
		for (const child of processes.values()) {
			try {
				process.kill(-child.pid, 'SIGKILL');
			} catch {
				// gone
			}
		}
	};
	process.once('exit', killAll);

	const stop = async (): Promise<void> => {
		stopping ??= (async () => {
			control?.close();
			await balancer?.close();
			const n8nProcesses = [...processes.keys()].filter((name) => name.startsWith('n8n-'));
			const order = [n8nProcesses, ['simulator', 'chat-model', 'redis'], ['postgres']];
			for (const group of order) {
				await Promise.all(
					group
						.filter((name) => processes.has(name))
						.map(async (name) => {
							// PostgreSQL: SIGINT is its fast shutdown (SIGTERM waits for clients). n8n gets its graceful
							// shutdown (N8N_GRACEFUL_SHUTDOWN_TIMEOUT, 5 s) and a little more: a webhook process still
							// "waiting for active executions" is killed after that.
							await stopProcess(runDir, processes.get(name) as Started, name === 'postgres' ? 'SIGINT' : 'SIGTERM', name.startsWith('n8n') ? 8000 : 20_000);
							processes.delete(name);
						}),
				);
			}
			removePostgresFolder(runDir);
			process.removeListener('exit', killAll);
			step('stopped everything started here');
		})();
		return await stopping;
	};

	try {
		step(`mode ${options.mode}, run folder ${runDir}`);
		const tools: Toolchain = toolchain(repoDir, options.n8nVersion);
		step(`n8n ${tools.n8nVersion} on Node ${tools.nodeVersion} at ${tools.n8nBin}`);
		if (options.build !== false) {
			buildPackage(repoDir);
			step('built the package and the tools');
		}
		const packed = packPackage(repoDir, runDir, tools);
		if (packed.missing.length > 0 && !options.dropMissingNodes) {
			throw new Error(
				`package.json's n8n section lists files the package does not contain: ${packed.missing.join(', ')}. ` +
					'Build them, or set E2E_DROP_MISSING_NODES=1 to run without them.',
			);
		}
		installCommunityPackage(packed, userFolder, tools, options.dropMissingNodes);
		step(
			`installed ${packed.name}@${packed.version} into ${join(userFolder, '.n8n', 'nodes')}` +
				(packed.missing.length ? ` WITHOUT ${packed.missing.join(', ')} (not built)` : ''),
		);

		const queue = options.mode !== 'single';
		const scaled = options.mode === 'scaled';
		const [anyMainPort, webhookPort, workerHealthPort, brokerMain, brokerWorker, brokerWebhook, simulatorPort, redisPort, postgresPort, controlPort, brokerCli, chatModelPort, ...extraPorts] =
			await freePorts(scaled ? 17 : 12);
		// scaled: a second worker and webhook process, and the load balancer in front of both webhook processes. From
		// the same call: ports of two calls can coincide (each call frees its ports before returning).
		const [webhookPort2, workerHealthPort2, brokerWorker2, brokerWebhook2, balancerPort] = scaled ? extraPorts : [];
		const mainPort = options.editorPorts ? await firstFreePort(options.editorPorts) : anyMainPort;
		const editorUrl = `http://127.0.0.1:${mainPort}/`;
		const webhookProcessUrls = scaled ? [webhookPort, webhookPort2] : queue ? [webhookPort] : [];
		const webhookUrl = scaled ? `http://127.0.0.1:${balancerPort}/` : queue ? `http://127.0.0.1:${webhookPort}/` : editorUrl;
		if (scaled) {
			balancer = await startLoadBalancer(
				webhookProcessUrls.map((port) => `http://127.0.0.1:${port}/`),
				balancerPort,
			);
			step(`load balancer ${balancer.url} (round robin) in front of webhook processes on ports ${webhookProcessUrls.join(', ')}`);
		}

		// Services first: the CLI imports need the database.
		const services: Array<Promise<void>> = [];
		let simulatorUrl: string | undefined;
		if (!options.apixo) {
			services.push(
				startSimulatorProcess(repoDir, runDir, simulatorPort, process.execPath, options.simulator).then((simulator) => {
					processes.set('simulator', simulator.process);
					simulatorUrl = simulator.url;
				}),
			);
		}
		let chatModelUrl = '';
		services.push(
			startChatModelProcess(repoDir, runDir, chatModelPort, process.execPath).then((chatModel) => {
				processes.set('chat-model', chatModel.process);
				chatModelUrl = chatModel.url;
			}),
		);
		const baseEnv: NodeJS.ProcessEnv = {
			...cleanEnv(),
			PATH: pathWith(tools.nodeBin),
			N8N_USER_FOLDER: userFolder,
			N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
			...offlineSettings(tools),
			N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_HOST: '127.0.0.1',
			N8N_PROTOCOL: 'http',
			N8N_SECURE_COOKIE: 'false',
			N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '5',
			GENERIC_TIMEZONE: 'UTC',
			WEBHOOK_URL: webhookUrl,
			// File nodes (Read/Write Files from Disk) may use this folder only.
			N8N_RESTRICT_FILE_ACCESS_TO: filesFolder,
		};
		if (queue) {
			ensureQueueServices(step);
			services.push(
				startRedis(runDir, redisPort).then((redis) => {
					processes.set('redis', redis);
				}),
				startPostgres(runDir, postgresPort).then((postgres) => {
					processes.set('postgres', postgres.process);
					Object.assign(baseEnv, {
						DB_TYPE: 'postgresdb',
						DB_POSTGRESDB_HOST: '127.0.0.1',
						DB_POSTGRESDB_PORT: String(postgres.port),
						DB_POSTGRESDB_DATABASE: postgres.database,
						DB_POSTGRESDB_USER: postgres.user,
						DB_POSTGRESDB_PASSWORD: postgres.password,
						// n8n's default of 2 connections per process starves under hundreds of concurrent webhook
						// calls: its DB ping times out and every request gets 503 "Database is not ready!".
						DB_POSTGRESDB_POOL_SIZE: '10',
					});
				}),
			);
			Object.assign(baseEnv, {
				EXECUTIONS_MODE: 'queue',
				QUEUE_BULL_REDIS_HOST: '127.0.0.1',
				QUEUE_BULL_REDIS_PORT: String(redisPort),
				// Production webhooks go to the webhook process only, as in a scaled set-up.
				N8N_DISABLE_PRODUCTION_MAIN_PROCESS: 'true',
			});
			if (options.binaryDataMode === 'filesystem') {
				baseEnv.N8N_DEFAULT_BINARY_DATA_MODE = 'filesystem';
				baseEnv.N8N_BINARY_DATA_STORAGE_PATH = join(runDir, 'binary-data');
			}
		} else {
			baseEnv.N8N_DEFAULT_BINARY_DATA_MODE = 'filesystem';
			// Where n8n 2.x keeps it by default; n8n 1.x's default is <user folder>/.n8n/binaryData.
			baseEnv.N8N_BINARY_DATA_STORAGE_PATH = join(userFolder, '.n8n', 'storage');
			// n8n 2.x's default. n8n 1.x defaults to 0 (deprecated there), and then stores an ended execution's
			// status and its data in two writes without a transaction (ExecutionRepository.updateExistingExecution):
			// a read between them sees "success" with the data of before the run.
			baseEnv.DB_SQLITE_POOL_SIZE = '3';
		}
		await Promise.all(services);
		step(queue ? `simulator, chat model, Redis :${redisPort} and PostgreSQL :${postgresPort} up` : 'simulator and chat model up');

		// Imports: one CLI call for the credential, one for every workflow (each call costs 2–4 s).
		const credentialData = options.apixo ?? { baseUrl: simulatorUrl as string, apiKey: options.simulator?.apiKey ?? 'sim-key' };
		const credentialFile = join(runDir, 'credentials.json');
		writeFileSync(
			credentialFile,
			JSON.stringify([
				{ ...CREDENTIAL, data: { apiKey: credentialData.apiKey, baseUrl: credentialData.baseUrl } },
				{ ...OPENAI_CREDENTIAL, data: { apiKey: CHAT_MODEL_API_KEY, url: chatModelUrl } },
			]),
			{ mode: 0o600 },
		);
		const cliEnv = { ...baseEnv, N8N_RUNNERS_BROKER_PORT: String(brokerMain) };
		n8nCli(tools, ['import:credentials', `--input=${credentialFile}`], cliEnv, runDir);
		rmSync(credentialFile);
		const workflows = readWorkflows(options.workflowsDir);
		if (workflows.length > 0) {
			n8nCli(tools, ['import:workflow', '--separate', `--input=${resolve(options.workflowsDir as string)}`], cliEnv, runDir);
		}
		step(`imported the credential and ${workflows.length} workflows`);

		// n8n processes.
		const n8n = join(tools.n8nBin, 'n8n');
		const generations = new Map<string, number>();
		const spawnSpec = (spec: ProcessSpec) => {
			let env = spec.env;
			if (spec.ownFolder) {
				const generation = (generations.get(spec.name) ?? 0) + 1;
				generations.set(spec.name, generation);
				const folder = generation === 1 ? spec.ownFolder : `${spec.ownFolder}-${generation}`;
				installCommunityPackage(packed, folder, tools, options.dropMissingNodes);
				env = { ...env, N8N_USER_FOLDER: folder };
			}
			const child = startProcess(runDir, spec.name, n8n, spec.args, { env });
			processes.set(spec.name, child);
			specs.set(spec.name, spec);
			return child;
		};
		const waitHealthy = async (spec: ProcessSpec) => {
			const child = processes.get(spec.name) as Started;
			await waitFor(
				`${spec.name} to be healthy (${spec.health})`,
				async () => ((await http(spec.health, { timeoutMs: 2000 })).status === 200 ? true : undefined),
				{ timeoutMs: 180_000, intervalMs: 300, abortIf: () => (child.hasExited() ? `it exited:\n${logTail(child.logFile)}` : undefined) },
			);
		};
		const main: ProcessSpec = {
			name: 'n8n-main',
			args: ['start'],
			env: { ...baseEnv, N8N_PORT: String(mainPort), N8N_RUNNERS_BROKER_PORT: String(brokerMain) },
			// Answers before the REST routes exist: setupOwner waits for those.
			health: `${editorUrl}healthz`,
		};
		const cluster = [main];
		if (scaled) {
			// Every process on its own user folder with the package installed there (see the queue case below);
			// binary data in n8n's queue-mode default (the database in n8n 2.x), nothing shared but Redis and PostgreSQL.
			const workerSpec = (index: number, brokerPort: number, healthPort: number): ProcessSpec => ({
				name: `n8n-worker-${index}`,
				ownFolder: join(runDir, `n8n-worker-${index}`),
				args: ['worker', `--concurrency=${options.workerConcurrency ?? 5}`],
				env: { ...baseEnv, N8N_RUNNERS_BROKER_PORT: String(brokerPort), QUEUE_HEALTH_CHECK_ACTIVE: 'true', QUEUE_HEALTH_CHECK_PORT: String(healthPort) },
				health: `http://127.0.0.1:${healthPort}/healthz/readiness`,
			});
			const webhookSpec = (index: number, port: number, brokerPort: number): ProcessSpec => ({
				name: `n8n-webhook-${index}`,
				ownFolder: join(runDir, `n8n-webhook-${index}`),
				args: ['webhook'],
				env: { ...baseEnv, N8N_PORT: String(port), N8N_RUNNERS_BROKER_PORT: String(brokerPort) },
				health: `http://127.0.0.1:${port}/healthz`,
			});
			cluster.push(
				workerSpec(1, brokerWorker, workerHealthPort),
				workerSpec(2, brokerWorker2, workerHealthPort2),
				webhookSpec(1, webhookPort, brokerWebhook),
				webhookSpec(2, webhookPort2, brokerWebhook2),
			);
		} else if (queue) {
			cluster.push(
				// Worker and webhook process each get their own user folder, as on their own machines: nothing may
				// depend on a folder shared with main. It also keeps a restarted worker from reading the event log
				// of the one it replaces — n8n 2.41's start-up recovery would mark the executions that worker had put
				// to wait as crashed (ExecutionRecoveryService.amend does not skip "waiting").
				{
					name: 'n8n-worker',
					ownFolder: join(runDir, 'n8n-worker'),
					args: ['worker', `--concurrency=${options.workerConcurrency ?? 5}`],
					env: {
						...baseEnv,
						N8N_RUNNERS_BROKER_PORT: String(brokerWorker),
						QUEUE_HEALTH_CHECK_ACTIVE: 'true',
						QUEUE_HEALTH_CHECK_PORT: String(workerHealthPort),
					},
					health: `http://127.0.0.1:${workerHealthPort}/healthz/readiness`,
				},
				{
					name: 'n8n-webhook',
					ownFolder: join(runDir, 'n8n-webhook'),
					args: ['webhook'],
					env: { ...baseEnv, N8N_PORT: String(webhookPort), N8N_RUNNERS_BROKER_PORT: String(brokerWebhook) },
					health: `${webhookUrl}healthz`,
				},
			);
		}
		cluster.forEach(spawnSpec);
		await Promise.all(cluster.map(waitHealthy));
		step(`n8n healthy: ${cluster.map((spec) => spec.name).join(', ')}`);

		const cookie = await setupOwner(editorUrl);
		const apiKey = await createApiKey(editorUrl, cookie);
		const published = options.publish ?? workflows.filter((workflow) => workflow.active).map((workflow) => workflow.id);
		await publishWorkflows(editorUrl, apiKey, published);
		const describe = packageWebhooks(repoDir);
		const paths = workflows
			.filter((workflow) => published.includes(workflow.id))
			.flatMap((workflow) => webhookPaths(workflow.nodes, describe));
		// Each webhook process must know them (asked directly, not through the load balancer).
		const servingUrls = webhookProcessUrls.length > 0 ? webhookProcessUrls.map((port) => `http://127.0.0.1:${port}/`) : [webhookUrl];
		await waitFor(
			`the webhooks of ${published.length} published workflows to be registered`,
			async () => {
				const missing: string[] = [];
				for (const url of servingUrls) for (const path of paths) if (!(await isWebhookRegistered(url, path))) missing.push(`${url}webhook/${path}`);
				if (missing.length > 0) throw new Error(`not yet: ${missing.join(', ')}`);
				return true;
			},
			{ timeoutMs: 60_000, intervalMs: 500 },
		);
		step(`published ${published.length} workflows; ${paths.length} webhooks registered`);

		const state: EnvironmentState = {
			mode: options.mode,
			runDir,
			userFolder,
			filesFolder,
			n8nVersion: tools.n8nVersion,
			nodeVersion: tools.nodeVersion,
			editorUrl,
			webhookUrl,
			webhookProcesses: cluster
				.filter((spec) => spec.args[0] === 'webhook')
				.map((spec) => ({ name: spec.name, url: `http://127.0.0.1:${spec.env.N8N_PORT}/` })),
			workers: cluster.filter((spec) => spec.args[0] === 'worker').map((spec) => spec.name),
			apiKey,
			session: { cookie, browserId: BROWSER_ID },
			// Its own task-broker port: a CLI process runs next to the servers.
			cliEnv: { ...(baseEnv as Record<string, string>), N8N_RUNNERS_BROKER_PORT: String(brokerCli) },
			n8nBin: tools.n8nBin,
			credential: { id: CREDENTIAL.id, name: CREDENTIAL.name },
			simulatorUrl,
			simulatorTimeScale: simulatorUrl ? (options.simulator?.timeScale ?? 0.05) : undefined,
			chatModelUrl,
			openAiCredential: { id: OPENAI_CREDENTIAL.id, name: OPENAI_CREDENTIAL.name },
			workflows: Object.fromEntries(workflows.map((workflow) => [workflow.id, workflow.name])),
			published,
			logs: {},
			pids: {},
		};

		const kill = async (name: string) => {
			const child = processes.get(name);
			if (!child) throw new Error(`no process ${name}`);
			await stopProcess(runDir, child, 'SIGKILL', 5000);
		};
		const stopOne = async (name: string) => {
			const child = processes.get(name);
			if (!child) throw new Error(`no process ${name}`);
			await stopProcess(runDir, child, 'SIGTERM', 15_000);
		};
		const start = async (name: string) => {
			if (name === 'redis' && queue) {
				if (!processes.get(name)?.hasExited()) throw new Error(`${name} is still running`);
				// The same port: every n8n process reconnects to the address it has.
				processes.set(name, await startRedis(runDir, redisPort));
				refresh();
				return;
			}
			const spec = specs.get(name);
			if (!spec) throw new Error(`no n8n process ${name}`);
			if (!processes.get(name)?.hasExited()) throw new Error(`${name} is still running`);
			spawnSpec(spec);
			await waitHealthy(spec);
			if (spec.args[0] === 'webhook') {
				// A webhook process answers /healthz before it serves the published webhooks.
				const url = `http://127.0.0.1:${spec.env.N8N_PORT}/`;
				await waitFor(
					`${name} to serve the published webhooks`,
					async () => {
						for (const path of paths) if (!(await isWebhookRegistered(url, path))) throw new Error(`not yet: ${url}webhook/${path}`);
						return true;
					},
					{ timeoutMs: 60_000, intervalMs: 500 },
				);
			}
			refresh();
		};
		const refresh = () => {
			state.logs = Object.fromEntries([...processes].map(([name, child]) => [name, child.logFile]));
			state.pids = Object.fromEntries([...processes].map(([name, child]) => [name, child.pid]));
			writeFileSync(join(runDir, 'state.json'), JSON.stringify(state, null, 2), { mode: 0o600 });
		};
		if (options.control) {
			control = await serveControl(controlPort, { kill, stop: stopOne, start });
			state.controlUrl = `http://127.0.0.1:${controlPort}/`;
		}
		refresh();
		step(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
		return { state, processes, kill, stopOne, start, stop };
	} catch (error) {
		const logs = [...processes.values()]
			.filter((child) => child.name.startsWith('n8n'))
			.map((child) => `--- ${child.name} (${child.logFile}):\n${logTail(child.logFile, 25)}`)
			.join('\n');
		await stop();
		(error as Error).message += logs ? `\n${logs}` : '';
		throw error;
	}
}

/** A tiny HTTP API on 127.0.0.1 over kill/stop/start, for tests running in other processes (jest workers). */
async function serveControl(
	port: number,
	actions: Record<'kill' | 'stop' | 'start', (name: string) => Promise<void>>,
): Promise<Server> {
	const server = createServer((request, response) => {
		const match = /^\/processes\/([\w-]+)\/(kill|stop|start)$/.exec(request.url ?? '');
		if (request.method !== 'POST' || !match) {
			response.writeHead(404).end();
			return;
		}
		const [, name, action] = match;
		actions[action as 'kill' | 'stop' | 'start'](name).then(
			() => response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
			(error: Error) => response.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: error.message })),
		);
	});
	await new Promise<void>((resolveListen) => server.listen(port, '127.0.0.1', resolveListen));
	return server;
}

/** Reads the state a running environment wrote (for tests in other processes). */
export function readState(runDir: string): EnvironmentState {
	return JSON.parse(readFileSync(join(runDir, 'state.json'), 'utf8')) as EnvironmentState;
}
