/**
 * The simulator: an HTTP server on 127.0.0.1 that answers like APIXO's API for Kling 2.5 Turbo Pro,
 * plus the programmatic handles tests use to steer and inspect it.
 *
 * Order of checks for /api/v1, as a real gateway would do it: auth, then the rate limit, then any
 * injected fault, then the endpoint itself.
 */
import { EventEmitter } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';
import * as api from './api';
import { CallbackSender } from './callbacks';
import { handleControl } from './control';
import { type Endpoint, FaultQueue } from './faults';
import { fileSha256, fileStream } from './files';
import { envelope, writeReply, type Reply } from './http';
import { insufficientCreditsPlan, planTask, taskCost } from './plan';
import { RateLimiter } from './rateLimit';
import { statusData, TaskBook } from './tasks';
import type {
	CallbackDelivery,
	Fault,
	SendCallbackOptions,
	Simulator,
	SimulatorConfigChange,
	SimulatorEvents,
	SimulatorOptions,
	SimulatorStats,
	Submission,
	TaskRecord,
} from './types';

const DEFAULTS = {
	apiKeys: ['sim-key'],
	balance: 100,
	timeScale: 1,
	rateLimit: { limit: 10_000, windowMs: 60_000 },
	maxConcurrentTasks: 1000,
	defaultFileSize: 262_144,
	callbackTimeoutMs: 30_000,
	callbackRetryDelaysMs: [30_000, 60_000, 120_000],
};

function freshStats(): Omit<SimulatorStats, 'maxRequestsInAnyWindow'> {
	return {
		requests: { generate: 0, status: 0, balance: 0, files: 0, other: 0 },
		responsesByStatus: {},
		rateLimited: 0,
		submitsAccepted: 0,
		callbacks: [],
	};
}

function bearerKey(request: IncomingMessage): string | undefined {
	return /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
}

/** What a fault answers instead of the endpoint. */
function faultReply(fault: Fault): Reply {
	const status = fault.status ?? 200;
	const reply = fault.body !== undefined ? { status, body: fault.body } : envelope(status, status === 400 ? { error: 'simulated fault' } : null, fault.message);
	return fault.retryAfter === undefined ? reply : { ...reply, headers: { 'Retry-After': String(fault.retryAfter) } };
}

function checkPositive(name: string, value: unknown): void {
	if (typeof value !== 'number' || !(value > 0)) throw new Error(`${name} must be a positive number`);
}

class ApixoSimulator extends EventEmitter<SimulatorEvents> implements Simulator, api.ApiBackend {
	url = '';
	private readonly server = http.createServer((request, response) => void this.handle(request, response));
	private readonly apiKeys: Set<string>;
	private readonly forbiddenKeys: Set<string>;
	private readonly startingBalance: number;
	private currentBalance: number;
	/** The options configure() may change, besides rateLimit (held by the limiter) and the balance. */
	private settings: Required<
		Pick<SimulatorOptions, 'timeScale' | 'maxConcurrentTasks' | 'defaultFileSize' | 'callbackTimeoutMs' | 'callbackRetryDelaysMs'>
	>;
	private publicUrl?: string;
	private readonly limiter: RateLimiter;
	private readonly faults = new FaultQueue();
	private counters = freshStats();
	private readonly book = new TaskBook({
		resultUrlFor: (taskId) => `${this.publicUrl ?? this.url}/files/${taskId}.mp4`,
		onEnded: (record) => this.onTaskEnded(record),
	});
	private readonly callbacks = new CallbackSender(
		() => ({
			timeoutMs: this.settings.callbackTimeoutMs,
			retryDelaysMs: this.settings.callbackRetryDelaysMs,
			timeScale: this.settings.timeScale,
		}),
		(delivery) => {
			this.counters.callbacks.push(delivery);
			this.emit('callback', delivery);
		},
	);

	constructor(options: SimulatorOptions) {
		super();
		this.apiKeys = new Set(options.apiKeys ?? DEFAULTS.apiKeys);
		this.forbiddenKeys = new Set(options.forbiddenKeys ?? []);
		this.startingBalance = this.currentBalance = options.balance ?? DEFAULTS.balance;
		this.limiter = new RateLimiter(options.rateLimit === undefined ? DEFAULTS.rateLimit : options.rateLimit);
		this.publicUrl = options.publicUrl?.replace(/\/+$/, '');
		this.settings = {
			timeScale: options.timeScale ?? DEFAULTS.timeScale,
			maxConcurrentTasks: options.maxConcurrentTasks ?? DEFAULTS.maxConcurrentTasks,
			defaultFileSize: options.defaultFileSize ?? DEFAULTS.defaultFileSize,
			callbackTimeoutMs: options.callbackTimeoutMs ?? DEFAULTS.callbackTimeoutMs,
			callbackRetryDelaysMs: options.callbackRetryDelaysMs ?? DEFAULTS.callbackRetryDelaysMs,
		};
	}

	async listen(port: number): Promise<void> {
		await new Promise<void>((resolve, reject) => {
			this.server.once('error', reject);
			this.server.listen(port, '127.0.0.1', () => resolve());
		});
		this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
	}

	async close(): Promise<void> {
		this.callbacks.cancelAll();
		this.book.clear();
		const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
		this.server.closeAllConnections();
		await closed;
	}

	reset(): void {
		this.callbacks.cancelAll();
		this.book.clear();
		this.faults.clear();
		this.limiter.reset();
		this.counters = freshStats();
		this.currentBalance = this.startingBalance;
	}

	injectFault(fault: Fault): void {
		this.faults.add(fault);
	}

	configure(change: SimulatorConfigChange): void {
		if (change.rateLimit) {
			checkPositive('rateLimit.limit', change.rateLimit.limit);
			checkPositive('rateLimit.windowMs', change.rateLimit.windowMs);
		}
		for (const name of ['timeScale', 'maxConcurrentTasks', 'callbackTimeoutMs'] as const) {
			if (change[name] !== undefined) checkPositive(name, change[name]);
		}
		for (const name of ['balance', 'defaultFileSize'] as const) {
			if (change[name] !== undefined && !(typeof change[name] === 'number' && change[name] >= 0)) {
				throw new Error(`${name} must be a number, 0 or more`);
			}
		}
		const delays = change.callbackRetryDelaysMs;
		if (delays !== undefined && !(Array.isArray(delays) && delays.every((delay) => typeof delay === 'number' && delay >= 0))) {
			throw new Error('callbackRetryDelaysMs must be an array of milliseconds');
		}
		if (change.rateLimit !== undefined) this.limiter.rateLimit = change.rateLimit;
		if (change.balance !== undefined) this.currentBalance = change.balance;
		for (const name of ['timeScale', 'maxConcurrentTasks', 'defaultFileSize', 'callbackTimeoutMs', 'callbackRetryDelaysMs'] as const) {
			if (change[name] !== undefined) Object.assign(this.settings, { [name]: change[name] });
		}
	}

	stats(): SimulatorStats {
		const { requests, responsesByStatus, callbacks } = this.counters;
		return {
			...this.counters,
			requests: { ...requests },
			responsesByStatus: { ...responsesByStatus },
			callbacks: callbacks.map((delivery) => ({ ...delivery })),
			maxRequestsInAnyWindow: this.limiter.maxRequestsInAnyWindow,
		};
	}

	task(taskId: string): TaskRecord | undefined {
		const record = this.book.find(taskId);
		return record && structuredClone(record);
	}

	tasks(): TaskRecord[] {
		return this.book.all().map((record) => structuredClone(record));
	}

	fileSha256(taskId: string): string {
		const record = this.book.find(taskId);
		if (record?.state !== 'success') throw new Error(`Task ${taskId} has no result file (state: ${record?.state ?? 'unknown'})`);
		return fileSha256(taskId, record.plan.size);
	}

	async sendCallback(taskId: string, options: SendCallbackOptions = {}): Promise<{ status: number; body: string; error?: string }> {
		const record = this.book.find(taskId);
		const url = options.url ?? record?.callback_url;
		if (!url) throw new Error(`No callback URL for task ${taskId}: pass options.url`);
		const data = { ...(record ? statusData(record) : { taskId }), ...options.data };
		const { status, body, error } = await this.callbacks.post(taskId, url, data, 0);
		return error === undefined ? { status, body } : { status, body, error };
	}

	waitForCallbacks(count: number, timeoutMs = 10_000): Promise<CallbackDelivery[]> {
		return new Promise((resolve, reject) => {
			const check = () => {
				if (this.counters.callbacks.length < count) return;
				stop();
				resolve(this.stats().callbacks);
			};
			const timer = setTimeout(() => {
				stop();
				reject(new Error(`Only ${this.counters.callbacks.length} of ${count} callback deliveries within ${timeoutMs} ms`));
			}, timeoutMs);
			const stop = () => {
				clearTimeout(timer);
				this.off('callback', check);
			};
			this.on('callback', check);
			check();
		});
	}

	completeNow(taskId: string, outcome: 'success' | 'failed' = 'success'): void {
		if (!this.book.find(taskId)) throw new Error(`Unknown task ${taskId}`);
		this.book.end(taskId, outcome);
	}

	// ApiBackend: what the /api/v1 handlers need.

	submit(owner: string, submission: Submission): { taskId: string } | Reply {
		const { timeScale, defaultFileSize, maxConcurrentTasks } = this.settings;
		if (this.book.activeCount(owner) >= maxConcurrentTasks) {
			return envelope(429, null, `Too Many Requests: at most ${maxConcurrentTasks} concurrent tasks per key`);
		}
		let plan = planTask(submission.input, { timeScale, defaultFileSize });
		const price = taskCost(submission.input.duration);
		let cost = 0;
		if (this.currentBalance >= price) {
			// Cents, so repeated subtraction does not drift into 99.74999999.
			this.currentBalance = Math.round((this.currentBalance - price) * 100) / 100;
			cost = price;
		} else {
			plan = insufficientCreditsPlan(plan, timeScale);
		}
		const { taskId } = this.book.create(owner, submission, plan, cost);
		this.counters.submitsAccepted++;
		return { taskId };
	}

	findTask(taskId: string, owner: string): TaskRecord | undefined {
		return this.book.find(taskId, owner);
	}

	balance(): number {
		return this.currentBalance;
	}

	// HTTP

	private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
		try {
			const url = new URL(request.url ?? '/', 'http://127.0.0.1');
			if (url.pathname.startsWith('/__sim/')) return await handleControl(this, request, response, url);
			if (url.pathname.startsWith('/api/v1/')) return await this.handleApi(request, response, url);
			if (url.pathname.startsWith('/files/')) return this.handleFile(request, response, url);
			this.counters.requests.other++;
			this.respond(response, envelope(404));
		} catch (error) {
			if (!response.headersSent) this.respond(response, envelope(500, null, `Simulator error: ${(error as Error).message}`));
			else response.destroy();
		}
	}

	private async handleApi(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
		const route = api.routeOf(request.method, url.pathname);
		this.countRequest(route.endpoint);

		const key = bearerKey(request);
		if (key === undefined || !(this.apiKeys.has(key) || this.forbiddenKeys.has(key))) return this.respond(response, envelope(401));
		if (this.forbiddenKeys.has(key)) return this.respond(response, envelope(403));

		const decision = this.limiter.check(key, Date.now());
		if (!decision.allowed) {
			const reply = envelope(429, null, 'Too Many Requests: rate limit exceeded');
			return this.respond(response, { ...reply, headers: { 'Retry-After': String(decision.retryAfterSeconds) } });
		}

		const fault = this.faults.take(route.endpoint);
		if (this.answeredByFault(fault, request, response)) return;

		const reply = await this.answerApi(route, request, url, key);
		// The API acted (a submit created and billed its task) but the answer never arrives.
		if (fault?.reset === 'after-accept') return this.drop(request);
		this.respond(response, reply);
	}

	private answerApi(route: api.ApiRoute, request: IncomingMessage, url: URL, key: string): Reply | Promise<Reply> {
		switch (route.endpoint) {
			case 'generate':
				return api.generate(this, route, request, key);
			case 'status':
				return api.status(this, route, url.searchParams, key);
			case 'balance':
				return api.balance(this);
			default:
				return envelope(404);
		}
	}

	/** Result files, like CDN URLs: no auth, no rate limit. */
	private handleFile(request: IncomingMessage, response: ServerResponse, url: URL): void {
		this.counters.requests.files++;
		const fault = this.faults.take('files');
		if (this.answeredByFault(fault, request, response)) return;

		const taskId = /^\/files\/(task_[0-9a-f]+)\.mp4$/.exec(url.pathname)?.[1];
		const record = taskId ? this.book.find(taskId) : undefined;
		if (!taskId || record?.state !== 'success' || (request.method !== 'GET' && request.method !== 'HEAD')) {
			return this.respond(response, envelope(404, null, 'File not found'));
		}

		const { size } = record.plan;
		this.countResponse(200);
		response.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': size });
		if (request.method === 'HEAD') return void response.end();

		if (fault?.reset === 'after-accept') {
			// Half of the promised bytes, then the connection ends: the reader sees a short body.
			const source = fileStream(taskId, size, Math.floor(size / 2));
			source.pipe(response, { end: false });
			source.on('end', () => response.socket?.end());
			return;
		}
		// A reader that goes away mid-download is normal; pipeline cleans up both sides.
		pipeline(fileStream(taskId, size), response, () => undefined);
	}

	/** Faults that take the place of the endpoint: a dropped connection or a canned answer. */
	private answeredByFault(fault: Fault | undefined, request: IncomingMessage, response: ServerResponse): boolean {
		if (!fault || fault.reset === 'after-accept') return false;
		if (fault.reset === 'before') this.drop(request);
		else if (fault.status !== undefined || fault.body !== undefined) this.respond(response, faultReply(fault));
		else return false;
		return true;
	}

	private respond(response: ServerResponse, reply: Reply): void {
		this.countResponse(reply.status);
		writeReply(response, reply);
	}

	/** Drops the connection without an answer. */
	private drop(request: IncomingMessage): void {
		this.countResponse('reset');
		request.socket.destroy();
	}

	private countRequest(endpoint: Endpoint): void {
		this.counters.requests[endpoint]++;
	}

	private countResponse(status: number | 'reset'): void {
		const { responsesByStatus } = this.counters;
		responsesByStatus[status] = (responsesByStatus[status] ?? 0) + 1;
		if (status === 429) this.counters.rateLimited++;
	}

	private onTaskEnded(record: TaskRecord): void {
		this.emit('taskEnded', structuredClone(record));
		if (record.request_type !== 'callback' || !record.callback_url || !record.plan.callback) return;
		// deliverFinal never rejects except on a bug: its POSTs resolve with status 0 on network errors.
		void this.callbacks
			.deliverFinal(record.taskId, record.callback_url, statusData(record), record.plan.dup)
			.catch((error: unknown) => console.error('APIXO simulator: callback delivery crashed', error));
	}
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
	const simulator = new ApixoSimulator(options);
	await simulator.listen(options.port ?? 0);
	return simulator;
}
