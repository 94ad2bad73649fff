import { createServer } from 'http';
import type { AddressInfo } from 'net';

import { runKling } from '../helpers/engine';
import { errorOf, jsonOf, SECRET_KEY, textToVideo } from '../helpers/fixtures';
import { apiOf, useSimulator } from '../helpers/simulator';

const sim = useSimulator({ apiKeys: [SECRET_KEY, 'sk-forbidden'], forbiddenKeys: ['sk-forbidden'] });
const api = apiOf(sim);
const balance = { parameters: { operation: 'getBalance' } };

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
		expect(errorOf(run).message).toBe("APIXO's server could not handle the request [item 0]");
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
		expect(errorOf(run).message).toBe(`Could not reach APIXO at 127.0.0.1:${port}: the connection was refused [item 0]`);
		expect(errorOf(run).description).toMatch(/Check the Base URL/);
	}, 20_000);
});
