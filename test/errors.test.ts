import { createServer } from 'http';
import type { AddressInfo } from 'net';

import { runKling } from './helpers/engine';
import { errorOf, jsonOf, SECRET_KEY, textToVideo } from './helpers/fixtures';
import { startSimulator, type Simulator } from './simulator';

let sim: Simulator;
const api = () => ({ baseUrl: sim.url, apiKey: SECRET_KEY });
const balance = { parameters: { operation: 'getBalance' } };

beforeAll(async () => {
	sim = await startSimulator({ apiKeys: [SECRET_KEY, 'sk-forbidden'], forbiddenKeys: ['sk-forbidden'] });
});
afterEach(() => sim.reset());
afterAll(async () => await sim.close());

function expectNoSecret(value: unknown): void {
	expect(JSON.stringify(value)).not.toContain(SECRET_KEY);
}

describe('API failures say what to do', () => {
	test('400 carries the API’s own reason', async () => {
		sim.injectFault({ endpoint: 'generate', status: 400, body: { code: 400, message: 'Bad Request', data: { error: 'input.image_urls[0] could not be downloaded' } } });
		const run = await runKling(api(), [{ prompt: 'x' }], { parameters: textToVideo() });
		expect(errorOf(run).message).toBe('APIXO rejected the request: input.image_urls[0] could not be downloaded');
	});

	test('401 asks to check the credential, without showing the key', async () => {
		const run = await runKling({ baseUrl: sim.url, apiKey: 'sk-wrong-key-123' }, [{}], balance);
		expect(errorOf(run).message).toBe('APIXO did not accept the API key');
		expect(errorOf(run).description).toMatch(/Check the APIXO API credential/);
		expect(JSON.stringify(run.run.data)).not.toContain('sk-wrong-key-123');
	});

	test('403 names both reasons APIXO gives (content policy, key permission) with the API\'s own message', async () => {
		const run = await runKling({ baseUrl: sim.url, apiKey: 'sk-forbidden' }, [{}], balance);
		expect(errorOf(run).message).toBe('APIXO refused the request (403): Forbidden: this API key lacks permission');
		expect(errorOf(run).description).toMatch(/content .*policy.*permission/s);

		sim.injectFault({ endpoint: 'generate', status: 403, message: 'The prompt violates the content policy' });
		const refused = await runKling(api(), [{ prompt: 'something' }], { parameters: textToVideo() });
		expect(errorOf(refused).message).toBe('APIXO refused the request (403): The prompt violates the content policy');
		expect(sim.stats().requests.generate).toBe(1);
	});

	test('402: the balance is too low, top up; the submit is not retried and nothing was created', async () => {
		sim.injectFault({ endpoint: 'generate', status: 402, count: 5 });
		const run = await runKling(api(), [{ prompt: 'a fox' }], { parameters: textToVideo() });
		expect(errorOf(run).message).toBe('The APIXO balance is too low: Insufficient balance: please top up your account');
		expect(errorOf(run).description).toBe('Top up your APIXO balance, then run again. This task was not created.');
		expect(sim.stats().requests.generate).toBe(1);
		expect(sim.tasks()).toHaveLength(0);
	});

	test('404 on a status names the unknown task', async () => {
		const run = await runKling(api(), [{}], { parameters: { operation: 'getStatus', taskId: 'task_does_not_exist' } });
		expect(errorOf(run).message).toBe('APIXO does not know task task_does_not_exist');
	});

	test('429 that does not clear says to slow down', async () => {
		sim.injectFault({ endpoint: 'balance', status: 429, retryAfter: 0, count: 10 });
		const run = await runKling(api(), [{}], balance);
		expect(errorOf(run).message).toBe("APIXO's rate limit was reached (after 4 retries)");
		expect(errorOf(run).description).toMatch(/Requests per Minute/);
		expect(sim.stats().requests.balance).toBe(5);
	});

	test('500 on a read is retried, and one that persists says to run again', async () => {
		sim.injectFault({ endpoint: 'balance', status: 500, retryAfter: 0, count: 10 });
		const run = await runKling(api(), [{}], balance);
		expect(errorOf(run).message).toBe('APIXO had a server error (after 4 retries)');
		expect(sim.stats().requests.balance).toBe(5);
	});

	test('503 says the model is temporarily unavailable', async () => {
		sim.injectFault({ endpoint: 'balance', status: 503, retryAfter: 0, count: 10 });
		const run = await runKling(api(), [{}], balance);
		expect(errorOf(run).message).toBe('Kling 2.5 Turbo Pro is temporarily unavailable on APIXO (after 4 retries)');
	});

	test('the API key appears in no output and no error', async () => {
		sim.injectFault({ endpoint: 'status', status: 500, retryAfter: 0, count: 10 });
		const failed = await runKling(api(), [{}], { parameters: { operation: 'getStatus', taskId: 'task_x' } });
		const ok = await runKling(api(), [{ prompt: 'x' }], { parameters: textToVideo() });
		expectNoSecret(failed.run.data);
		expectNoSecret(ok.run.data);
	});
});

describe('retries', () => {
	test('a 429 with Retry-After is retried after the time the API asked for', async () => {
		sim.injectFault({ endpoint: 'balance', status: 429, retryAfter: 1, count: 1 });
		const started = Date.now();
		const run = await runKling(api(), [{}], balance);
		expect(jsonOf(run.output())).toEqual([{ balance: 100, currency: 'USD' }]);
		expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
		expect(sim.stats().requests.balance).toBe(2);
	});

	test('a submit refused with 429 or 503 is sent again and creates one task', async () => {
		sim.injectFault({ endpoint: 'generate', status: 429, retryAfter: 0, count: 2 });
		sim.injectFault({ endpoint: 'generate', status: 503, retryAfter: 0, count: 1 });
		const run = await runKling(api(), [{ prompt: 'x' }], { parameters: textToVideo() });
		expect(run.output()[0].json.taskId).toEqual(expect.any(String));
		expect(sim.stats().requests.generate).toBe(4);
		expect(sim.stats().submitsAccepted).toBe(1);
	});

	test('a submit answered 500 is not sent again, and the error says a task may exist', async () => {
		sim.injectFault({ endpoint: 'generate', status: 500, count: 1 });
		const run = await runKling(api(), [{ prompt: 'x' }], { parameters: textToVideo() });
		expect(errorOf(run).message).toBe('APIXO had a server error');
		expect(errorOf(run).description).toMatch(/task may have been created/);
		expect(sim.stats().requests.generate).toBe(1);
	});

	test('a submit whose connection drops after the API took it is not sent twice', async () => {
		sim.injectFault({ endpoint: 'generate', reset: 'after-accept', count: 1 });
		const run = await runKling(api(), [{ prompt: 'x' }], { parameters: textToVideo() });
		expect(errorOf(run).message).toMatch(/Could not reach APIXO at 127.0.0.1:\d+: the connection was dropped/);
		expect(errorOf(run).description).toMatch(/a task may have been created and billed/);
		expect(sim.stats().requests.generate).toBe(1);
		expect(sim.tasks()).toHaveLength(1);
	});

	test('a status read whose connection drops is retried', async () => {
		const submitted = await runKling(api(), [{ prompt: 'x [sim:ms=50]' }], { parameters: textToVideo() });
		sim.injectFault({ endpoint: 'status', reset: 'before', count: 2 });
		const run = await runKling(api(), [{}], { parameters: { operation: 'getStatus', taskId: submitted.output()[0].json.taskId } });
		expect(run.output()[0].json.taskId).toBe(submitted.output()[0].json.taskId);
		expect(sim.stats().requests.status).toBe(3);
	});

	test('a refused connection is retried, then reported with the host', async () => {
		const closed = createServer();
		await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
		const { port } = closed.address() as AddressInfo;
		await new Promise<void>((resolve) => closed.close(() => resolve()));
		const run = await runKling({ baseUrl: `http://127.0.0.1:${port}`, apiKey: SECRET_KEY }, [{ prompt: 'x' }], { parameters: textToVideo() });
		expect(errorOf(run).message).toBe(`Could not reach APIXO at 127.0.0.1:${port}: the connection was refused`);
		expect(errorOf(run).description).toMatch(/Check the Base URL/);
	}, 20_000);
});

describe('continue on fail', () => {
	test('a failing submit becomes an error item and the other items go on', async () => {
		sim.injectFault({ endpoint: 'generate', status: 400, count: 1 });
		const run = await runKling(api(), [{ prompt: 'a' }, { prompt: 'b' }, { prompt: 'c' }], {
			parameters: textToVideo({}, { concurrency: 1 }),
			onError: 'continueRegularOutput',
		});
		const output = jsonOf(run.output());
		expect(output[0].error).toMatch(/APIXO rejected the request/);
		expect(output[1].taskId).toEqual(expect.any(String));
		expect(output[2].taskId).toEqual(expect.any(String));
		expect(run.output().map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
	});

	test('without it, a failing submit stops the node and lists the tasks already created', async () => {
		sim.injectFault({ endpoint: 'generate', status: 400, count: 1 });
		const run = await runKling(api(), [{ prompt: 'a' }, { prompt: 'b' }, { prompt: 'c' }], {
			parameters: textToVideo({}, { concurrency: 2 }),
		});
		const created = sim.tasks().map((task) => task.taskId);
		expect(created.length).toBeGreaterThanOrEqual(1);
		for (const taskId of created) expect(errorOf(run).description).toContain(taskId);
	});
});
