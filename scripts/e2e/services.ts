/**
 * Redis and PostgreSQL for queue mode, from Debian's packages, each on its own loopback port. Redis runs as the
 * caller and keeps its (unsaved) data in the run folder; PostgreSQL's data lives in a fresh folder under /tmp
 * (see startPostgres). Nothing system-wide is started: the packages' own services stay off.
 */
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createConnection } from 'node:net';
import { run, startProcess, waitFor, logTail, type Started } from './processes';

const isRoot = () => process.getuid?.() === 0;

function commandExists(command: string): boolean {
	try {
		run('bash', ['-c', `command -v ${command}`]);
		return true;
	} catch {
		return false;
	}
}

/** Folder of PostgreSQL's server programs (Debian keeps them out of PATH). */
function postgresBin(): string | undefined {
	const root = '/usr/lib/postgresql';
	if (existsSync(root)) {
		const versions = readdirSync(root)
			.filter((version) => existsSync(join(root, version, 'bin', 'postgres')))
			.sort((a, b) => Number(b) - Number(a));
		if (versions.length > 0) return join(root, versions[0], 'bin');
	}
	try {
		return run('bash', ['-c', 'dirname "$(command -v postgres)"']).trim() || undefined;
	} catch {
		return undefined;
	}
}

/** Installs redis-server and postgresql with apt-get when missing (one `apt-get update`, then install). */
export function ensureQueueServices(log: (line: string) => void): void {
	const missing: string[] = [];
	if (!commandExists('redis-server')) missing.push('redis-server');
	if (!postgresBin() || !commandExists('psql')) missing.push('postgresql');
	if (missing.length === 0) return;
	if (!isRoot()) throw new Error(`queue mode needs ${missing.join(' and ')}: install them (apt-get install -y ${missing.join(' ')})`);
	log(`Installing ${missing.join(', ')} from Debian (apt-get)…`);
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	run('apt-get', ['update', '-qq'], { env, timeoutMs: 10 * 60_000 });
	run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env, timeoutMs: 15 * 60_000 });
}

export async function portAnswers(port: number): Promise<boolean> {
	return await new Promise((resolve) => {
		const socket = createConnection({ host: '127.0.0.1', port });
		socket.once('connect', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => resolve(false));
	});
}

export async function startRedis(runDir: string, port: number): Promise<Started> {
	const dir = join(runDir, 'redis');
	mkdirSync(dir, { recursive: true });
	const redis = startProcess(runDir, 'redis', 'redis-server', [
		'--port', String(port),
		'--bind', '127.0.0.1',
		'--dir', dir,
		'--daemonize', 'no',
		'--save', '',
		'--appendonly', 'no',
		'--protected-mode', 'yes',
	]);
	await waitFor('Redis to accept connections', async () => ((await portAnswers(port)) ? true : undefined), {
		timeoutMs: 20_000,
		abortIf: () => (redis.hasExited() ? `it exited:\n${logTail(redis.logFile)}` : undefined),
	});
	return redis;
}

export interface Postgres {
	process: Started;
	port: number;
	user: string;
	password: string;
	database: string;
}

const POSTGRES_FOLDER_PREFIX = 'apixo-kling-postgres-';
/** The file in the run folder that names the run's PostgreSQL folder (so a later run can remove a killed run's). */
const postgresPointer = (runDir: string) => join(runDir, 'postgres-folder');

/** Removes the PostgreSQL folder a run in this run folder created (after its server stopped, or was left by a killed run). */
export function removePostgresFolder(runDir: string): void {
	const pointer = postgresPointer(runDir);
	if (!existsSync(pointer)) return;
	const folder = readFileSync(pointer, 'utf8').trim();
	if (folder && basename(folder).startsWith(POSTGRES_FOLDER_PREFIX)) rmSync(folder, { recursive: true, force: true });
	rmSync(pointer, { force: true });
}

/**
 * A throw-away PostgreSQL cluster, trust auth on 127.0.0.1 only, durability off (fsync, synchronous commit)
 * since the data lives as long as the test run. As root the server runs as the `postgres` user that Debian's
 * package creates (PostgreSQL refuses to run as root). That user must reach its data and socket folders: the
 * clone may sit in a folder only its owner can enter (a home directory with mode 700), so they are in a fresh
 * folder under /tmp owned by the server's user, removed by removePostgresFolder when the run stops.
 */
export async function startPostgres(runDir: string, port: number): Promise<Postgres> {
	const bin = postgresBin();
	if (!bin) throw new Error('PostgreSQL server programs not found');
	const user = isRoot() ? 'postgres' : undefined;
	// As another user: /tmp itself (TMPDIR may be private to the caller).
	const folder = mkdtempSync(join(user ? '/tmp' : tmpdir(), POSTGRES_FOLDER_PREFIX));
	writeFileSync(postgresPointer(runDir), `${folder}\n`);
	const dataDir = join(folder, 'data');
	const socketDir = join(folder, 'socket');
	mkdirSync(dataDir, { recursive: true, mode: 0o700 });
	mkdirSync(socketDir, { recursive: true, mode: 0o700 });
	if (user) {
		const uid = Number(run('id', ['-u', user]).trim());
		const gid = Number(run('id', ['-g', user]).trim());
		for (const dir of [folder, dataDir, socketDir]) chownSync(dir, uid, gid);
	}
	run(join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'], {
		user,
		cwd: '/',
		timeoutMs: 120_000,
	});
	const server = startProcess(
		runDir,
		'postgres',
		join(bin, 'postgres'),
		[
			'-D', dataDir,
			'-p', String(port),
			'-k', socketDir,
			'-c', 'listen_addresses=127.0.0.1',
			'-c', 'fsync=off',
			'-c', 'synchronous_commit=off',
			'-c', 'full_page_writes=off',
			'-c', 'max_connections=200',
		],
		{ user, cwd: '/' },
	);
	await waitFor(
		'PostgreSQL to accept connections',
		async () => {
			run('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-tAc', 'select 1'], { timeoutMs: 5000 });
			return true;
		},
		{ timeoutMs: 60_000, intervalMs: 300, abortIf: () => (server.hasExited() ? `it exited:\n${logTail(server.logFile)}` : undefined) },
	);
	run('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-c', 'CREATE DATABASE n8n']);
	return { process: server, port, user: 'postgres', password: 'e2e', database: 'n8n' };
}
