/**
 * How a run of Generate Video waits, decided once before the first submit: a case table of what the user asked
 * for and what the run found, with what APIXO was sent and what the node said. Runs go through n8n-core's
 * WorkflowExecute against the simulator.
 */
import type { IDataObject } from 'n8n-workflow';

import { runKling, type EngineOptions, type EngineRun } from '../../helpers/engine';
import { prompts, SECRET_KEY, textToVideo } from '../../helpers/fixtures';
import { useSimulator } from '../../helpers/simulator';

const sim = useSimulator({ apiKeys: [SECRET_KEY] });

const hintsOf = (run: EngineRun) => (run.run.data.resultData.runData.Kling?.[0]?.hints ?? []).map((hint) => hint.message).join(' ');

describe('the wait plan', () => {
	const local = (): EngineOptions => ({ baseUrl: sim.url, apiKey: SECRET_KEY, webhookWaitingBaseUrl: 'http://127.0.0.1:5678/webhook-waiting' });
	// A public API with a private resume URL: APIXO's callbacks could not reach this n8n.
	const unreachable = (): EngineOptions => ({ baseUrl: 'https://api.apixo.ai', hostAliases: { 'api.apixo.ai': sim.url }, apiKey: SECRET_KEY, webhookWaitingBaseUrl: 'http://10.0.0.5:5678/webhook-waiting' });

	test.each<[string, () => EngineOptions, IDataObject, string, 'async' | 'callback', RegExp | undefined]>([
		["Don't Wait: submitted, output at once", local, { waitMode: 'none' }, 'success', 'async', undefined],
		['Wait (Poll): submitted and polled', local, { waitMode: 'poll' }, 'success', 'async', undefined],
		['Pause Until Callback, APIXO can call back: paused, the resume URL sent', local, { waitMode: 'callback' }, 'waiting', 'callback', undefined],
		['Pause Until Callback, APIXO cannot reach this n8n: polled, and a hint says why', unreachable, { waitMode: 'callback' }, 'success', 'async', /APIXO cannot reach this n8n/],
	])('%s', async (_, api, parameters, status, requestType, hint) => {
		const run = await runKling(api(), prompts(1, () => '[sim:ms=150]'), { parameters: textToVideo(parameters) });
		expect(run.run.status).toBe(status);
		const [task] = sim.tasks();
		expect(task.request_type).toBe(requestType);
		expect(task.callback_url !== undefined).toBe(requestType === 'callback');
		if (hint) expect(hintsOf(run)).toMatch(hint);
		else expect(hintsOf(run)).toBe('');
	});

	test('Pause Until Callback with a task picked up from an earlier run: polled (its callback goes to that run), and a hint says so', async () => {
		const workflow = { id: 'plan-reused', staticData: {} };
		const item = [{ prompt: '[sim:ms=1200] [sim:nocallback] picked up' }];
		await runKling(local(), item, { parameters: textToVideo({ waitMode: 'poll' }, { timeout: 0.01 }), workflow });
		const run = await runKling(local(), item, { parameters: textToVideo({ waitMode: 'callback' }), workflow });
		expect(run.run.status).toBe('success');
		expect(run.output()[0].json).toMatchObject({ state: 'success', reused: true });
		expect(hintsOf(run)).toMatch(/picked up from an earlier run/);
		expect(sim.stats().submitsAccepted).toBe(1);
	});
});
