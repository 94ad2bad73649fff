/**
 * Child processes for the end-to-end environment: each one starts in its own process group (so n8n's task
 * runners and Postgres's backends stop with it), logs to a file in the run folder, and is recorded there by PID
 * and start time. Stopping signals only groups this module started; a later run in the same folder stops what
 * a killed run left behind, checking the start time so a reused PID is never hit.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface Started {
	name: string;
	pid: number;
	logFile: string;
	child: ChildProcess;
	/** Resolves with the exit code (or the signal's name) once the process has ended. */
	exited: Promise<number | string>;
	hasExited: () => boolean;
}

export interface StartOptions {
	env?: NodeJS.ProcessEnv;
	cwd?: string;
	/** Run as this system user (through runuser); only when this process is root. */
	user?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `promise` settles within `ms`; the timer is cleared either way (a pending one keeps jest alive). */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
	try {
		return await Promise.race([promise.then(() => true), timeout]);
	} finally {
		clearTimeout(timer);
	}
}

/** Field 22 of /proc/<pid>/stat: the start time in clock ticks since boot, unique per PID incarnation. */
function startTimeOf(pid: number): string | undefined {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
	} catch {
		return undefined;
	}
}

function pidFolder(runDir: string): string {
	return join(runDir, 'pids');
}

export function startProcess(runDir: string, name: string, command: string, args: string[], options: StartOptions = {}): Started {
	mkdirSync(join(runDir, 'logs'), { recursive: true });
	mkdirSync(pidFolder(runDir), { recursive: true });
	const logFile = join(runDir, 'logs', `${name}.log`);
	// Only this user may read it: an n8n log can hold what a workflow printed, keys included.
	const log = openSync(logFile, 'a', 0o600);
	const [file, argv] = options.user ? ['runuser', ['-u', options.user, '--', command, ...args]] : [command, args];
	const child = spawn(file, argv, {
		cwd: options.cwd ?? runDir,
		env: options.env ?? process.env,
		stdio: ['ignore', log, log],
		detached: true,
	});
	closeSync(log);
	if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
	const pid = child.pid;
	let done = false;
	const exited = new Promise<number | string>((resolve) => {
		child.once('exit', (code, signal) => {
			done = true;
			resolve(code ?? signal ?? 'unknown');
		});
		child.once('error', (error) => {
			done = true;
			resolve(`spawn error: ${error.message}`);
		});
	});
	writeFileSync(join(pidFolder(runDir), `${name}.pid`), `${pid} ${startTimeOf(pid) ?? ''}\n`);
	return { name, pid, logFile, child, exited, hasExited: () => done };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
	try {
		process.kill(-pid, signal);
	} catch {
		// the group is gone
	}
}

/** Stops a process group: `signal` first, SIGKILL after `graceMs`. */
export async function stopProcess(runDir: string, started: Started, signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<void> {
	if (!started.hasExited()) {
		signalGroup(started.pid, signal);
		if (!(await settlesWithin(started.exited, graceMs))) {
			signalGroup(started.pid, 'SIGKILL');
			await settlesWithin(started.exited, 5000);
		}
	}
	// Children that outlived the leader (a task runner, a Postgres backend) are still in the group.
	signalGroup(started.pid, 'SIGKILL');
	rmSync(join(pidFolder(runDir), `${started.name}.pid`), { force: true });
}

/** Stops process groups a previous run in this folder recorded and did not stop (it was killed). */
export async function stopLeftovers(runDir: string): Promise<string[]> {
	const folder = pidFolder(runDir);
	if (!existsSync(folder)) return [];
	const stopped: string[] = [];
	for (const file of readdirSync(folder)) {
		const [pidText, startTime] = readFileSync(join(folder, file), 'utf8').trim().split(' ');
		const pid = Number(pidText);
		if (Number.isInteger(pid) && pid > 1 && startTime && startTimeOf(pid) === startTime) {
			signalGroup(pid, 'SIGTERM');
			for (let waited = 0; waited < 10_000 && startTimeOf(pid) === startTime; waited += 200) await sleep(200);
			signalGroup(pid, 'SIGKILL');
			stopped.push(`${file.replace(/\.pid$/, '')} (pid ${pid})`);
		}
		rmSync(join(folder, file), { force: true });
	}
	return stopped;
}

/** Runs a command to completion; throws with its output when it fails or takes longer than timeoutMs. */
export function run(command: string, args: string[], options: StartOptions & { timeoutMs?: number; input?: string } = {}): string {
	const [file, argv] = options.user ? ['runuser', ['-u', options.user, '--', command, ...args]] : [command, args];
	const result = spawnSync(file, argv, {
		cwd: options.cwd,
		env: options.env ?? process.env,
		encoding: 'utf8',
		timeout: options.timeoutMs ?? 300_000,
		input: options.input,
		maxBuffer: 64 * 1024 * 1024,
	});
	if (result.status !== 0) {
		const why = result.error ? result.error.message : `exit ${result.status ?? result.signal}`;
		const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
		throw new Error(`${[command, ...args].join(' ')} failed (${why}):\n${output}`);
	}
	return result.stdout;
}

/** `count` distinct free TCP ports on 127.0.0.1 (held open together, so they differ, then released). */
export async function freePorts(count: number): Promise<number[]> {
	const servers = await Promise.all(
		Array.from(
			{ length: count },
			() =>
				new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
					const server = createServer();
					server.once('error', reject);
					server.listen(0, '127.0.0.1', () => resolve(server));
				}),
		),
	);
	const ports = servers.map((server) => (server.address() as AddressInfo).port);
	await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
	return ports;
}

/** Whether a TCP port on 127.0.0.1 can be listened on now. */
export async function portIsFree(port: number): Promise<boolean> {
	return await new Promise((resolve) => {
		const server = createServer();
		server.once('error', () => resolve(false));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
	});
}

/**
 * The first of `ports` that is free, else any free port: a stable address that stays the same from one start to
 * the next as long as nothing else takes it.
 */
export async function firstFreePort(ports: number[]): Promise<number> {
	for (const port of ports) if (await portIsFree(port)) return port;
	return (await freePorts(1))[0];
}

/** Polls `check` until it returns a value other than undefined; the error names `what` and the last problem. */
export async function waitFor<T>(
	what: string,
	check: () => Promise<T | undefined>,
	{ timeoutMs, intervalMs = 250, abortIf }: { timeoutMs: number; intervalMs?: number; abortIf?: () => string | undefined },
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let last = '';
	for (;;) {
		const reason = abortIf?.();
		if (reason) throw new Error(`${what}: ${reason}`);
		try {
			const value = await check();
			if (value !== undefined) return value;
		} catch (error) {
			last = (error as Error).message;
		}
		if (Date.now() > deadline) throw new Error(`${what}: not within ${Math.round(timeoutMs / 1000)} s${last ? ` (last: ${last})` : ''}`);
		await sleep(intervalMs);
	}
}

/** The last lines of a log file, for error messages. */
export function logTail(file: string, lines = 30): string {
	try {
		return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
	} catch {
		return '(no log)';
	}
}
