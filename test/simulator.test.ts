/** The APIXO simulator itself: it must answer the way APIXO's docs say, or every other test lies. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startSimulator, type Simulator, type SimulatorOptions } from './simulator';

const GENERATE = '/api/v1/generateTask/kling-2-5-turbo-pro';
const STATUS = '/api/v1/statusTask/kling-2-5-turbo-pro';
const BALANCE = '/api/v1/apikeys/current-balance';

let simulator: Simulator;

/** Each test gets its own simulator; fast retry delays keep the callback tests short. */
async function start(options: SimulatorOptions = {}): Promise<Simulator> {
	await simulator?.close();
	simulator = await startSimulator({ callbackRetryDelaysMs: [50, 100, 150], timeScale: 0.01, ...options });
	return simulator;
}

beforeEach(() => start());
afterEach(() => simulator.close());

interface Answer {
	status: number;
	headers: Headers;
	body: { code: number; message: string; data: any };
}

async function call(path: string, init: { method?: string; body?: unknown; key?: string | null } = {}): Promise<Answer> {
	const headers: Record<string, string> = { 'Content-Type': 'application/json' };
	if (init.key !== null) headers.Authorization = `Bearer ${init.key ?? 'sim-key'}`;
	const response = await fetch(simulator.url + path, {
		method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
		headers,
		body: typeof init.body === 'string' ? init.body : init.body === undefined ? undefined : JSON.stringify(init.body),
	});
	return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
}

async function submit(prompt: string, extra: Record<string, unknown> = {}, input: Record<string, unknown> = {}): Promise<string> {
	const answer = await call(GENERATE, { body: { input: { mode: 'text-to-video', prompt, ...input }, ...extra } });
	expect(answer.status).toBe(200);
	return answer.body.data.taskId;
}

const status = (taskId: string, key?: string) => call(`${STATUS}?taskId=${taskId}`, { key });

function ended(taskId: string): Promise<void> {
	if (simulator.task(taskId)?.endedAt) return Promise.resolve();
	return new Promise((resolve) => {
		const listener = (task: { taskId: string }) => {
			if (task.taskId !== taskId) return;
			simulator.off('taskEnded', listener);
			resolve();
		};
		simulator.on('taskEnded', listener);
	});
}

/** A callback receiver that answers the given statuses in turn ('hang' never answers), then 200. */
async function startReceiver(answers: (number | 'hang')[] = []) {
	const hits: { path: string; contentType?: string; body: any }[] = [];
	const server = http.createServer(async (request, response) => {
		let text = '';
		for await (const chunk of request) text += chunk;
		hits.push({ path: request.url ?? '', contentType: request.headers['content-type'], body: JSON.parse(text) });
		const answer = answers.shift() ?? 200;
		if (answer !== 'hang') response.writeHead(answer).end('ok');
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		hits,
		close: () => {
			server.closeAllConnections();
			return new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

describe('auth', () => {
	it('answers 401 in an envelope without a key or with an unknown key', async () => {
		for (const key of [null, 'wrong-key']) {
			const answer = await call(BALANCE, { key });
			expect(answer.status).toBe(401);
			expect(answer.body).toEqual({ code: 401, message: expect.stringMatching(/api key/i), data: null });
		}
	});

	it('answers 403 for a key that lacks permission', async () => {
		await start({ forbiddenKeys: ['read-only'] });
		const answer = await call(BALANCE, { key: 'read-only' });
		expect(answer.status).toBe(403);
		expect(answer.body.code).toBe(403);
	});

	it('reports the balance, and a submit bills it', async () => {
		expect((await call(BALANCE)).body).toEqual({ code: 200, message: 'success', data: { balance: 100 } });
		await submit('a cat', {}, { duration: 10 });
		expect((await call(BALANCE)).body.data.balance).toBeLessThan(100);
	});
});

describe('submit validation', () => {
	const base = { mode: 'text-to-video', prompt: 'a cat' };
	it.each([
		['input', { request_type: 'async' }],
		['input.mode', { input: { prompt: 'a cat' } }],
		['input.prompt', { input: { mode: 'text-to-video' } }],
		['input.prompt', { input: { ...base, prompt: 'x'.repeat(2501) } }],
		['input.prompt', { input: { ...base, prompt: '' } }],
		['input.duration', { input: { ...base, duration: 7 } }],
		['input.aspect_ratio', { input: { ...base, aspect_ratio: '4:3' } }],
		['input.aspect_ratio', { input: { mode: 'image-to-video', prompt: 'a', image_urls: ['https://x.test/a.png'], aspect_ratio: '1:1' } }],
		['input.image_urls', { input: { mode: 'image-to-video', prompt: 'a' } }],
		['input.image_urls', { input: { mode: 'image-to-video', prompt: 'a', image_urls: ['https://x/1', 'https://x/2', 'https://x/3'] } }],
		['input.image_urls[0]', { input: { mode: 'image-to-video', prompt: 'a', image_urls: ['ftp://x.test/a.png'] } }],
		['input.negative_prompt', { input: { ...base, negative_prompt: 'n'.repeat(2501) } }],
		['input.cfg_scale', { input: { ...base, cfg_scale: 0.35 } }],
		['input.cfg_scale', { input: { ...base, cfg_scale: 1.5 } }],
		['request_type', { request_type: 'webhook', input: base }],
		['callback_url', { request_type: 'callback', input: base }],
		['callback_url', { request_type: 'callback', callback_url: 'not a url', input: base }],
		['provider', { provider: 'cheapest', input: base }],
	])('answers 400 naming %s', async (field, body) => {
		const answer = await call(GENERATE, { body });
		expect(answer.status).toBe(400);
		expect(answer.body).toEqual({ code: 400, message: 'Bad Request', data: { error: expect.stringContaining(field) } });
		expect(simulator.tasks()).toHaveLength(0);
	});

	it('answers 400 for a body that is not JSON', async () => {
		const answer = await call(GENERATE, { body: '{"input":' });
		expect(answer.status).toBe(400);
		expect(answer.body.data.error).toMatch(/JSON/);
	});

	it('accepts every documented option and fills in the defaults', async () => {
		const taskId = await submit('a cat', { provider: 'official' }, { duration: '10', cfg_scale: 0.7, negative_prompt: 'blur' });
		expect(taskId).toMatch(/^task_[0-9a-f]{24}$/);
		expect(simulator.task(taskId)).toMatchObject({
			request_type: 'async',
			provider: 'official',
			input: { mode: 'text-to-video', duration: 10, aspect_ratio: '16:9', cfg_scale: 0.7, negative_prompt: 'blur' },
		});
		const imageTask = await submit('a dog', {}, { mode: 'image-to-video', image_urls: ['https://x.test/start.png', 'https://x.test/end.webp'] });
		expect(simulator.task(imageTask)?.input.image_urls).toHaveLength(2);
	});

	it('answers 404 for another model', async () => {
		const answer = await call('/api/v1/generateTask/kling-9', { body: { input: { mode: 'text-to-video', prompt: 'a' } } });
		expect(answer.status).toBe(404);
		expect((await call(`/api/v1/statusTask/kling-9?taskId=task_x`)).status).toBe(404);
	});
});

describe('task timeline', () => {
	it('goes pending → processing → success, with resultJson as a JSON string', async () => {
		const taskId = await submit('a cat [sim:ms=800]');
		const states: string[] = [];
		let data: any;
		do {
			data = (await status(taskId)).body.data;
			if (states.at(-1) !== data.state) states.push(data.state);
			if (data.state === 'pending') expect(Object.keys(data).sort()).toEqual(['createTime', 'state', 'taskId']);
			await new Promise((resolve) => setTimeout(resolve, 40));
		} while (data.state !== 'success');

		expect(states).toEqual(['pending', 'processing', 'success']);
		expect(typeof data.resultJson).toBe('string');
		expect(JSON.parse(data.resultJson)).toEqual({ resultUrls: [`${simulator.url}/files/${taskId}.mp4`] });
		expect(data.completeTime).toBeGreaterThanOrEqual(data.createTime + 800);
		expect(data.costTime).toBe(data.completeTime - data.createTime);
		expect(data).not.toHaveProperty('failCode');
	});

	it('takes the documented 30–45 s for a 5 s video and 45–60 s for a 10 s video, times timeScale', async () => {
		await start({ timeScale: 0.001 });
		const short = simulator.task(await submit('a cat'))!;
		const long = simulator.task(await submit('a cat', {}, { duration: 10 }))!;
		expect(short.plan.durationMs).toBeGreaterThanOrEqual(30);
		expect(short.plan.durationMs).toBeLessThanOrEqual(45);
		expect(long.plan.durationMs).toBeGreaterThanOrEqual(45);
		expect(long.plan.durationMs).toBeLessThanOrEqual(60);
	});

	it('ends failed with the failCode of a [sim:fail] directive and a human message', async () => {
		const taskId = await submit('a cat [sim:ms=50] [sim:fail=CONTENT_VIOLATION]');
		await ended(taskId);
		const { data } = (await status(taskId)).body;
		expect(data).toMatchObject({ state: 'failed', failCode: 'CONTENT_VIOLATION', failMsg: expect.stringMatching(/content policy/) });
		expect(data).not.toHaveProperty('resultJson');
		expect(data).not.toHaveProperty('costTime');
		expect((await fetch(`${simulator.url}/files/${taskId}.mp4`)).status).toBe(404);
	});

	it('answers 400 without taskId and 404 for an unknown task or another key’s task', async () => {
		await start({ apiKeys: ['sim-key', 'other-key'] });
		expect((await call(STATUS)).status).toBe(400);
		const unknown = await status('task_000000000000000000000000');
		expect(unknown.status).toBe(404);
		expect(unknown.body).toMatchObject({ code: 404, data: null });
		const taskId = await submit('a cat');
		expect((await status(taskId, 'other-key')).status).toBe(404);
	});

	it('fails a task with INSUFFICIENT_CREDITS when the balance cannot pay', async () => {
		await start({ balance: 0.3 });
		const paid = await submit('a cat [sim:ms=20]');
		const unpaid = await submit('a cat [sim:ms=20]');
		await Promise.all([ended(paid), ended(unpaid)]);
		expect(simulator.task(paid)?.state).toBe('success');
		expect(simulator.task(unpaid)).toMatchObject({ state: 'failed', failCode: 'INSUFFICIENT_CREDITS', cost: 0 });
	});

	it('refuses a submit beyond the concurrent-task limit with 429', async () => {
		await start({ maxConcurrentTasks: 1 });
		await submit('a cat');
		expect((await call(GENERATE, { body: { input: { mode: 'text-to-video', prompt: 'b' } } })).status).toBe(429);
	});

	it('completeNow ends a task at once and emits taskEnded', async () => {
		const taskId = await submit('a cat');
		const endedEvent = new Promise((resolve) => simulator.once('taskEnded', resolve));
		simulator.completeNow(taskId, 'failed');
		expect(await endedEvent).toMatchObject({ taskId, state: 'failed', failCode: 'GENERATION_FAILED' });
		expect((await status(taskId)).body.data.state).toBe('failed');
	});
});

describe('rate limit', () => {
	it('answers 429 with Retry-After beyond the window, and rejected requests take no slot', async () => {
		await start({ rateLimit: { limit: 3, windowMs: 400 } });
		for (let index = 0; index < 3; index++) expect((await call(BALANCE)).status).toBe(200);
		const limited = await call(BALANCE);
		expect(limited.status).toBe(429);
		expect(limited.body).toMatchObject({ code: 429, data: null });
		expect(limited.headers.get('retry-after')).toBe('1');
		expect((await call(BALANCE)).status).toBe(429);

		await new Promise((resolve) => setTimeout(resolve, 450));
		expect((await call(BALANCE)).status).toBe(200);
		const stats = simulator.stats();
		expect(stats.rateLimited).toBe(2);
		expect(stats.maxRequestsInAnyWindow).toBe(5);
	});
});

describe('faults', () => {
	it('answers an injected status in an envelope, with Retry-After, for count requests, in order', async () => {
		const taskId = await submit('a cat');
		simulator.injectFault({ endpoint: 'status', status: 503, retryAfter: 7, count: 2 });
		simulator.injectFault({ endpoint: 'any', status: 429 });
		simulator.injectFault({ endpoint: 'generate', status: 400 });

		const first = await status(taskId);
		expect(first.status).toBe(503);
		expect(first.body).toMatchObject({ code: 503, data: null });
		expect(first.headers.get('retry-after')).toBe('7');
		expect((await status(taskId)).status).toBe(503);
		expect((await status(taskId)).status).toBe(429);
		expect((await status(taskId)).status).toBe(200);

		const invalid = await call(GENERATE, { body: { input: { mode: 'text-to-video', prompt: 'a' } } });
		expect(invalid.body).toEqual({ code: 400, message: 'Bad Request', data: { error: expect.any(String) } });
		expect(simulator.stats().rateLimited).toBe(1);
		expect(simulator.tasks()).toHaveLength(1);
	});

	it('sends a replacement body', async () => {
		simulator.injectFault({ endpoint: 'balance', status: 500, body: '<html>Bad gateway</html>' });
		const response = await fetch(simulator.url + BALANCE, { headers: { Authorization: 'Bearer sim-key' } });
		expect(response.status).toBe(500);
		expect(await response.text()).toBe('<html>Bad gateway</html>');
	});

	it("reset 'before' drops the connection and creates no task", async () => {
		simulator.injectFault({ endpoint: 'generate', reset: 'before' });
		await expect(call(GENERATE, { body: { input: { mode: 'text-to-video', prompt: 'a' } } })).rejects.toThrow();
		expect(simulator.tasks()).toHaveLength(0);
		expect(simulator.stats()).toMatchObject({ submitsAccepted: 0, responsesByStatus: { reset: 1 } });
	});

	it("reset 'after-accept' creates and bills the task, then drops the connection", async () => {
		simulator.injectFault({ endpoint: 'generate', reset: 'after-accept' });
		await expect(call(GENERATE, { body: { input: { mode: 'text-to-video', prompt: 'a' } } })).rejects.toThrow();
		expect(simulator.tasks()).toHaveLength(1);
		expect(simulator.stats().submitsAccepted).toBe(1);
		expect((await call(BALANCE)).body.data.balance).toBe(99.75);
	});

	it('auth comes before faults', async () => {
		simulator.injectFault({ endpoint: 'any', status: 500 });
		expect((await call(BALANCE, { key: 'wrong' })).status).toBe(401);
		expect((await call(BALANCE)).status).toBe(500);
	});
});

describe('result files', () => {
	it('streams the deterministic bytes fileSha256 describes, as video/mp4', async () => {
		const size = 3 * 1024 * 1024 + 17;
		const taskId = await submit(`a cat [sim:ms=20] [sim:size=${size}]`);
		await ended(taskId);
		const response = await fetch(`${simulator.url}/files/${taskId}.mp4`);
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toBe('video/mp4');
		expect(response.headers.get('content-length')).toBe(String(size));
		const bytes = Buffer.from(await response.arrayBuffer());
		expect(bytes.length).toBe(size);
		expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
		expect(createHash('sha256').update(bytes).digest('hex')).toBe(simulator.fileSha256(taskId));
		expect(simulator.fileSha256(taskId)).not.toBe(simulator.fileSha256(await submit('x [sim:ms=0]').then(async (id) => (await ended(id), id))));
	});

	it('serves a playable MP4: the H.264 video, moov before mdat, then a free box that pads it to the size', async () => {
		const boxes = (bytes: Buffer) => {
			const found: Array<{ type: string; size: number }> = [];
			for (let offset = 0; offset < bytes.length; ) {
				const size = bytes.readUInt32BE(offset);
				found.push({ type: bytes.toString('latin1', offset + 4, offset + 8), size });
				offset += size;
			}
			return found;
		};
		const video = readFileSync(join(__dirname, 'simulator', 'assets', 'sample-video.mp4'));
		expect(boxes(video).map((box) => box.type)).toEqual(['ftyp', 'moov', 'free', 'mdat']);
		expect(video.includes(Buffer.from('avc1', 'latin1'))).toBe(true);

		const taskId = await submit('a cat [sim:ms=20] [sim:size=300000]');
		await ended(taskId);
		const bytes = Buffer.from(await (await fetch(`${simulator.url}/files/${taskId}.mp4`)).arrayBuffer());
		expect(bytes.length).toBe(300_000);
		expect(bytes.subarray(0, video.length).equals(video)).toBe(true);
		expect(boxes(bytes)).toEqual([...boxes(video), { type: 'free', size: 300_000 - video.length }]);
	});

	it('answers 404 before the task has succeeded, and obeys file faults', async () => {
		const taskId = await submit('a cat [sim:ms=1000]');
		expect((await fetch(`${simulator.url}/files/${taskId}.mp4`)).status).toBe(404);
		simulator.completeNow(taskId);
		simulator.injectFault({ endpoint: 'files', status: 403 });
		simulator.injectFault({ endpoint: 'files', reset: 'after-accept' });
		expect((await fetch(`${simulator.url}/files/${taskId}.mp4`)).status).toBe(403);
		const truncated = await fetch(`${simulator.url}/files/${taskId}.mp4`);
		await expect(truncated.arrayBuffer()).rejects.toThrow();
		const whole = await fetch(`${simulator.url}/files/${taskId}.mp4`);
		expect(whole.status).toBe(200);
		expect((await whole.arrayBuffer()).byteLength).toBe(262144);
	});
});

describe('callbacks', () => {
	it('posts the status envelope to callback_url, query kept, retrying after a 500', async () => {
		const receiver = await startReceiver([500]);
		try {
			const callbackUrl = `${receiver.url}/webhook-waiting/42?signature=a%2Bb&item=3`;
			const taskId = await submit('a cat [sim:ms=30]', { request_type: 'callback', callback_url: callbackUrl });
			const deliveries = await simulator.waitForCallbacks(2);

			expect(deliveries.map(({ attempt, status }) => [attempt, status])).toEqual([
				[1, 500],
				[2, 200],
			]);
			expect(receiver.hits.map((hit) => hit.path)).toEqual(['/webhook-waiting/42?signature=a%2Bb&item=3', '/webhook-waiting/42?signature=a%2Bb&item=3']);
			expect(receiver.hits[0].contentType).toBe('application/json');
			expect(receiver.hits[1].body).toEqual({ code: 200, message: 'success', data: (await status(taskId)).body.data });
			expect(receiver.hits[1].body.data.state).toBe('success');
		} finally {
			await receiver.close();
		}
	});

	it('retries a receiver that does not answer in time, at most 3 times', async () => {
		await start({ callbackTimeoutMs: 100, callbackRetryDelaysMs: [20, 20, 20] });
		const receiver = await startReceiver(['hang', 503, 503, 503, 503]);
		try {
			await submit('a cat [sim:ms=10]', { request_type: 'callback', callback_url: receiver.url });
			const deliveries = await simulator.waitForCallbacks(4);
			expect(deliveries.map((delivery) => delivery.status)).toEqual([0, 503, 503, 503]);
			expect(deliveries[0].error).toMatch(/100 ms/);
			await new Promise((resolve) => setTimeout(resolve, 150));
			expect(simulator.stats().callbacks).toHaveLength(4);
		} finally {
			await receiver.close();
		}
	});

	it('[sim:dup=2] delivers the callback twice more after a 200; [sim:nocallback] never', async () => {
		const receiver = await startReceiver();
		try {
			const silent = await submit('a cat [sim:ms=10] [sim:nocallback]', { request_type: 'callback', callback_url: receiver.url });
			await submit('a cat [sim:ms=10] [sim:dup=2]', { request_type: 'callback', callback_url: receiver.url });
			const deliveries = await simulator.waitForCallbacks(3);
			expect(deliveries.map(({ attempt, status }) => [attempt, status])).toEqual([
				[1, 200],
				[2, 200],
				[3, 200],
			]);
			expect(new Set(receiver.hits.map((hit) => JSON.stringify(hit.body))).size).toBe(1);
			expect(simulator.task(silent)?.state).toBe('success');
			expect(receiver.hits.every((hit) => hit.body.data.taskId !== silent)).toBe(true);
		} finally {
			await receiver.close();
		}
	});

	it('sendCallback forges a callback once, with overridden fields', async () => {
		const receiver = await startReceiver([401]);
		try {
			const taskId = await submit('a cat');
			const result = await simulator.sendCallback(taskId, { url: `${receiver.url}/hook`, data: { state: 'success', resultJson: '{}' } });
			expect(result).toEqual({ status: 401, body: 'ok' });
			expect(receiver.hits[0].body.data).toMatchObject({ taskId, state: 'success', resultJson: '{}' });
			expect(simulator.stats().callbacks).toEqual([expect.objectContaining({ taskId, attempt: 0, status: 401 })]);
		} finally {
			await receiver.close();
		}
	});
});

describe('control endpoints', () => {
	const control = async (path: string, body?: unknown) => {
		const response = await fetch(`${simulator.url}/__sim/${path}`, {
			method: body === undefined ? 'GET' : 'POST',
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		return { status: response.status, body: (await response.json()) as any };
	};

	it('steer and inspect the simulator over HTTP', async () => {
		expect((await control('faults', [{ endpoint: 'balance', status: 500 }, { endpoint: 'status', reset: 'before' }])).body).toEqual({ ok: true, queued: 2 });
		expect((await control('faults', { endpoint: 'nowhere' })).status).toBe(400);
		expect((await call(BALANCE)).status).toBe(500);

		const receiver = await startReceiver();
		try {
			const taskId = await submit('a cat');
			expect((await control('tasks')).body).toEqual([expect.objectContaining({ taskId, state: 'pending' })]);
			expect((await control(`complete/${taskId}`, { outcome: 'success' })).body).toMatchObject({ taskId, state: 'success' });
			const record = (await control(`tasks/${taskId}`)).body;
			expect(record).toMatchObject({ taskId, state: 'success', fileSha256: simulator.fileSha256(taskId), plan: { size: 262144 } });
			expect((await control(`callback/${taskId}`, { url: receiver.url, data: { state: 'failed' } })).body).toEqual({ status: 200, body: 'ok' });
			expect(receiver.hits[0].body.data.state).toBe('failed');
		} finally {
			await receiver.close();
		}

		expect((await control('config', { balance: 5 })).body).toEqual({ ok: true });
		expect((await call(BALANCE)).body.data.balance).toBe(5);
		await control('config', { rateLimit: { limit: 1, windowMs: 60000 } });
		expect((await call(BALANCE)).status).toBe(429);
		expect((await control('config', { timeScale: -1 })).status).toBe(400);

		const stats = (await control('stats')).body;
		expect(stats.requests).toMatchObject({ balance: 3, generate: 1 });
		expect(stats.responsesByStatus).toMatchObject({ 200: 2, 429: 1, 500: 1 });

		expect((await control('reset', {})).body).toEqual({ ok: true });
		expect((await control('tasks')).body).toEqual([]);
		expect((await control('stats')).body.requests.balance).toBe(0);
	});
});
