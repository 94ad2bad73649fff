import { runKling } from '../helpers/engine';
import { errorOf, SECRET_KEY, textToVideo } from '../helpers/fixtures';
import { apiOf, useSimulator } from '../helpers/simulator';

const sim = useSimulator({ apiKeys: [SECRET_KEY, 'sk-forbidden'], forbiddenKeys: ['sk-forbidden'] });
const api = apiOf(sim);
const balance = { parameters: { operation: 'getBalance' } };

function expectNoSecret(value: unknown): void {
	expect(JSON.stringify(value)).not.toContain(SECRET_KEY);
}

describe('API failures say what to do', () => {
	test('400 carries the API’s own reason', async () => {
		sim.injectFault({ endpoint: 'generate', status: 400, body: { code: 400, message: 'Bad Request', data: { error: 'input.image_urls[0] could not be downloaded' } } });
		const run = await runKling(api(), [{ prompt: 'x' }], { parameters: textToVideo() });
		expect(errorOf(run).message).toBe('APIXO rejected the request: input.image_urls[0] could not be downloaded [item 0]');
	});

	test('401 asks to check the credential, without showing the key', async () => {
		const run = await runKling({ baseUrl: sim.url, apiKey: 'sk-wrong-key-123' }, [{}], balance);
		expect(errorOf(run).message).toBe('APIXO did not accept the API key [item 0]');
		expect(errorOf(run).description).toMatch(/Check the APIXO API credential/);
		expect(JSON.stringify(run.run.data)).not.toContain('sk-wrong-key-123');
	});

	test('403 names both reasons APIXO gives (content policy, key permission) with the API\'s own message', async () => {
		const run = await runKling({ baseUrl: sim.url, apiKey: 'sk-forbidden' }, [{}], balance);
		expect(errorOf(run).message).toBe('APIXO refused the request (403): Forbidden: this API key lacks permission [item 0]');
		expect(errorOf(run).description).toMatch(/content .*policy.*permission/s);

		sim.injectFault({ endpoint: 'generate', status: 403, message: 'The prompt violates the content policy' });
		const refused = await runKling(api(), [{ prompt: 'something' }], { parameters: textToVideo() });
		expect(errorOf(refused).message).toBe('APIXO refused the request (403): The prompt violates the content policy [item 0]');
		expect(sim.stats().requests.generate).toBe(1);
	});

	test('402: the balance is too low, top up; the submit is not retried and nothing was created', async () => {
		sim.injectFault({ endpoint: 'generate', status: 402, count: 5 });
		const run = await runKling(api(), [{ prompt: 'a fox' }], { parameters: textToVideo() });
		expect(errorOf(run).message).toBe('The APIXO balance is too low: Insufficient balance: please top up your account [item 0]');
		expect(errorOf(run).description).toBe('Top up your APIXO balance, then run again. This task was not created.');
		expect(sim.stats().requests.generate).toBe(1);
		expect(sim.tasks()).toHaveLength(0);
	});

	test('404 on a status names the unknown task', async () => {
		const run = await runKling(api(), [{}], { parameters: { operation: 'getStatus', taskId: 'task_does_not_exist' } });
		expect(errorOf(run).message).toBe('APIXO does not know task task_does_not_exist [item 0]');
	});

	test('429 that does not clear says to slow down', async () => {
		sim.injectFault({ endpoint: 'balance', status: 429, retryAfter: 0, count: 10 });
		const run = await runKling(api(), [{}], balance);
		expect(errorOf(run).message).toBe("APIXO's rate limit was reached (after 4 retries) [item 0]");
		expect(errorOf(run).description).toMatch(/Requests per Minute/);
		expect(sim.stats().requests.balance).toBe(5);
	});

	test('500 on a read is retried, and one that persists says to run again', async () => {
		sim.injectFault({ endpoint: 'balance', status: 500, retryAfter: 0, count: 10 });
		const run = await runKling(api(), [{}], balance);
		expect(errorOf(run).message).toBe("APIXO's server could not handle the request (after 4 retries) [item 0]");
		expect(sim.stats().requests.balance).toBe(5);
	});

	test('503 says the model is temporarily unavailable', async () => {
		sim.injectFault({ endpoint: 'balance', status: 503, retryAfter: 0, count: 10 });
		const run = await runKling(api(), [{}], balance);
		expect(errorOf(run).message).toBe('Kling 2.5 Turbo Pro is temporarily unavailable on APIXO (after 4 retries) [item 0]');
	});

	test('the API key appears in no output and no error', async () => {
		sim.injectFault({ endpoint: 'status', status: 500, retryAfter: 0, count: 10 });
		const failed = await runKling(api(), [{}], { parameters: { operation: 'getStatus', taskId: 'task_x' } });
		const ok = await runKling(api(), [{ prompt: 'x' }], { parameters: textToVideo() });
		expectNoSecret(failed.run.data);
		expectNoSecret(ok.run.data);
	});
});
