/**
 * Where an n8n process spends its CPU during a burst: V8's sampling profiler, reached through the inspector that
 * SIGUSR1 opens in a running Node process (no restart, no flags). Self time is summed by where the code lives
 * (this package, n8n's database layer, the expression engine, credentials, HTTP, …) and inclusive time by a few
 * functions that mark the steps of a webhook call.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CpuBreakdown } from '../results';

interface ProfileNode {
	id: number;
	callFrame: { functionName: string; url: string };
	children?: number[];
}

interface Profile {
	nodes: ProfileNode[];
	samples: number[];
	timeDeltas: number[];
	startTime: number;
	endTime: number;
}

/** Buckets by script URL, first match wins. */
const AREAS: Array<[string, RegExp]> = [
	['credentials (load, decrypt, permission checks)', /credentials|cipher|crypto/i],
	['database (TypeORM, SQLite/PostgreSQL)', /typeorm|sqlite|node_modules\/pg|@n8n\/db|repositor/i],
	['expressions (isolate pool, expression engine)', /expression|isolated-vm|tournament|tmpl/i],
	['HTTP client (axios, follow-redirects, undici)', /axios|follow-redirects|undici|node:_http|node:http|node:net|request-helper/i],
	['webhook handling (n8n webhooks, Express)', /webhook|express|body-parser|router/i],
	['execution start and run (n8n)', /workflow-runner|workflow-execute|active-executions|execution|workflow-execute-additional-data/i],
	['garbage collection and V8 internals', /^$/],
];

const INCLUSIVE = [
	'executeWebhook',
	'runWebhook',
	'webhook',
	'confirmWithApi',
	'getCredentials',
	'httpRequestWithAuthentication',
	'requestWithAuthentication',
	'saveStaticData',
	'acquireIsolate',
	'run',
	'findWebhook',
	'loadWebhookExecutionData',
];

function areaOf(url: string, functionName: string): string {
	if (url === '') return functionName === '(garbage collector)' ? 'garbage collection and V8 internals' : functionName === '(idle)' ? 'idle' : 'V8 / native';
	// The package as n8n installed it (its community-nodes folder); n8n's own files are matched by their package.
	if (/\/nodes\/node_modules\/n8n-nodes-apixo-kling\//.test(url)) return 'this package (Kling Trigger, shared client)';
	const tail = url.slice(Math.max(0, url.lastIndexOf('node_modules/')));
	for (const [name, pattern] of AREAS) if (pattern.test(tail)) return name;
	return 'other n8n and Node';
}

export function summarizeProfile(profile: Profile): CpuBreakdown {
	const byId = new Map(profile.nodes.map((node) => [node.id, node]));
	const parent = new Map<number, number>();
	for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
	const byArea: Record<string, number> = {};
	const inclusive: Record<string, number> = {};
	const self = new Map<string, number>();
	let totalMs = 0;
	for (let index = 0; index < profile.samples.length; index++) {
		const ms = (profile.timeDeltas[index + 1] ?? profile.timeDeltas[index] ?? 0) / 1000;
		const node = byId.get(profile.samples[index]);
		if (!node) continue;
		const { functionName, url } = node.callFrame;
		const area = areaOf(url, functionName);
		if (area === 'idle' || functionName === '(program)') continue;
		totalMs += ms;
		byArea[area] = (byArea[area] ?? 0) + ms;
		const name = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}`;
		self.set(name, (self.get(name) ?? 0) + ms);
		const seen = new Set<string>();
		for (let at: number | undefined = node.id; at !== undefined; at = parent.get(at)) {
			const fn = byId.get(at)?.callFrame.functionName ?? '';
			if (INCLUSIVE.includes(fn) && !seen.has(fn)) {
				seen.add(fn);
				inclusive[fn] = (inclusive[fn] ?? 0) + ms;
			}
		}
	}
	const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([name, ms]) => ({ name, ms: Math.round(ms) }));
	for (const key of Object.keys(byArea)) byArea[key] = Math.round(byArea[key]);
	for (const key of Object.keys(inclusive)) inclusive[key] = Math.round(inclusive[key]);
	return { totalMs: Math.round(totalMs), byArea, inclusive, top };
}

/** A CDP session on a process's inspector, opened with SIGUSR1. */
export class Profiler {
	private socket?: WebSocket;
	private nextId = 1;
	private readonly pending = new Map<number, (result: unknown) => void>();

	static async attach(pid: number, port = 9229): Promise<Profiler> {
		process.kill(pid, 'SIGUSR1');
		let targets: Array<{ webSocketDebuggerUrl: string }> = [];
		for (let tries = 0; tries < 50 && targets.length === 0; tries++) {
			await sleep(200);
			targets = await fetch(`http://127.0.0.1:${port}/json/list`).then(async (response) => (await response.json()) as typeof targets, () => []);
		}
		if (targets.length === 0) throw new Error(`no inspector on port ${port} after SIGUSR1 to ${pid}`);
		const profiler = new Profiler();
		const socket = new WebSocket(targets[0].webSocketDebuggerUrl);
		await new Promise<void>((resolve, reject) => {
			socket.addEventListener('open', () => resolve());
			socket.addEventListener('error', () => reject(new Error('inspector connection failed')));
		});
		socket.addEventListener('message', (event) => {
			const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
			if (message.id !== undefined) this.resolveMessage(profiler, message.id, message.result);
		});
		profiler.socket = socket;
		await profiler.send('Profiler.enable');
		await profiler.send('Profiler.setSamplingInterval', { interval: 1000 });
		return profiler;
	}

	private static resolveMessage(profiler: Profiler, id: number, result: unknown): void {
		profiler.pending.get(id)?.(result);
		profiler.pending.delete(id);
	}

	async send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
		const id = this.nextId++;
		return await new Promise((resolve) => {
			this.pending.set(id, resolve);
			this.socket?.send(JSON.stringify({ id, method, params }));
		});
	}

	async start(): Promise<void> {
		await this.send('Profiler.start');
	}

	async stop(): Promise<CpuBreakdown> {
		const { profile } = (await this.send('Profiler.stop')) as { profile: Profile };
		return summarizeProfile(profile);
	}

	close(): void {
		this.socket?.close();
	}
}
