/**
 * What the measurements of their own in the scaled topology share (downloadsQueue.ts, triggerWindow.ts): their
 * flags, the machine they ran on, and a client for the n8n public API and the simulator of one environment.
 */
import { cpus, totalmem } from 'node:os';
import type { Environment } from '../../scripts/e2e/environment';
import { call } from './clients';
import { round } from './stats';

/** `--name value` from the command line, or the fallback. */
export function flag(argv: string[], name: string, fallback: string): string {
	const index = argv.indexOf(`--${name}`);
	return index >= 0 ? argv[index + 1] : fallback;
}

export interface Machine {
	cores: number;
	memoryGb: number;
	node: string;
	n8n?: string;
}

/** This machine; `n8n` is filled in once the environment has started. */
export function thisMachine(): Machine {
	return { cores: cpus().length, memoryGb: round(totalmem() / 1024 ** 3, 1) as number, node: process.version };
}

/** The report's line on where it was measured. */
export function machineLine(machine: Machine, topology: string, script: string): string {
	return `${machine.cores} cores, ${machine.memoryGb} GB, Node ${machine.node}, n8n ${machine.n8n}; scaled topology (${topology}). Made by \`${script}\`.`;
}

/** n8n's public API and the simulator of one environment. */
export class ClusterClient {
	constructor(protected readonly env: Environment) {}

	private async json<T>(url: string, init: RequestInit = {}): Promise<T> {
		const { status, text } = await call(url, init, 120_000);
		if (status >= 400) throw new Error(`${init.method ?? 'GET'} ${url}: ${status} ${text.slice(0, 200)}`);
		return JSON.parse(text) as T;
	}

	async api<T = unknown>(path: string): Promise<T> {
		return await this.json<T>(`${this.env.state.editorUrl}api/v1/${path}`, { headers: { 'X-N8N-API-KEY': this.env.state.apiKey } });
	}

	/** GET, or POST with a JSON body, to the simulator (APIXO's API or its /__sim controls). */
	async sim<T = unknown>(path: string, body?: unknown): Promise<T> {
		const headers = { authorization: 'Bearer sim-key', 'content-type': 'application/json' };
		const init = body === undefined ? {} : { method: 'POST', headers, body: JSON.stringify(body) };
		return await this.json<T>(`${this.env.state.simulatorUrl}${path}`, init);
	}
}
