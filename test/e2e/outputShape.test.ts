/**
 * One output shape: every operation and wait mode outputs the task fields of the README's "Output" table, the
 * request's fields (model, mode, duration, aspect ratio) wherever the node knows them, and never the Callback URL.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { n8n, Scenario, sim, state, summary, type Execution } from './harness/client';
import { receiverUrl } from './harness/workflows';

/** The field names of the README's Output table: what users are told the node outputs. */
function documentedFields(): string[] {
	const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
	const lines = readme.slice(readme.indexOf('#### Output')).split('\n');
	const first = lines.findIndex((line) => line.startsWith('| `'));
	const end = lines.findIndex((line, index) => index > first && !line.startsWith('| `'));
	return lines.slice(first, end).map((row) => row.split('`')[1]);
}

async function ended(scenario: Scenario, executionId: string, timeoutMs?: number): Promise<Execution> {
	const execution = await n8n.waitFor(scenario, executionId, undefined, timeoutMs);
	scenario.check(execution.status === 'success', () => `expected success, got ${summary(execution)}`);
	return execution;
}

const REQUEST = { model: 'kling-2-5-turbo-pro', mode: 'text-to-video', duration: 10, aspectRatio: '9:16' };
const SUCCESS = ['videoUrl', 'resultUrls', 'createTime', 'completeTime', 'costTimeMs'];

describe('one output shape in every mode', () => {
	test('Don\'t Wait, Wait (Poll), Wait (Pause Until Callback), a timeout and Get Task Status output the same task fields', async () => {
		const scenario = new Scenario('output shape');
		const documented = documentedFields();
		scenario.check(documented.length >= 10 && documented[0] === 'taskId', () => `README Output table read as ${JSON.stringify(documented)}`);
		const run = Date.now().toString(36);
		const item = (label: string, ms: number) => ({ prompt: `[sim:ms=${ms}] shape ${label} ${run}`, duration: 10, aspectRatio: '9:16' });
		const only = async (key: Parameters<typeof n8n.run>[1], input: Record<string, unknown>, timeoutMs?: number) => {
			const execution = await ended(scenario, await n8n.run(scenario, key, [input]), timeoutMs);
			const items = n8n.items(execution, 'Kling');
			scenario.equal(items.length, 1, `${key}: output items`);
			return items[0].json;
		};

		// The Callback URL carries the trigger's token: it reaches APIXO, never the output.
		const callbackUrl = receiverUrl(state().webhookUrl);
		const dontWait = await only('textNow', { ...item('none', 1500), callbackUrl });
		const polled = await only('textPoll', item('poll', 1200));
		const resumed = await only('callback', item('callback', 1500), 90_000);
		const timedOut = await only('textPollTimeoutContinue', item('timeout', 60_000));
		const status = await only('statusPoll', { taskId: dontWait.taskId });

		const keys = (json: Record<string, unknown>) => Object.keys(json);
		const fieldsOf = (json: Record<string, unknown>) => keys(json).filter((key) => documented.includes(key));
		scenario.equal(keys(dontWait), ['taskId', 'state', ...Object.keys(REQUEST)], "Don't Wait: fields");
		for (const [label, json] of [['Wait (Poll)', polled], ['Pause Until Callback', resumed]] as const) {
			scenario.equal(keys(json), ['taskId', 'state', ...Object.keys(REQUEST), ...SUCCESS], `${label}: fields`);
			scenario.equal({ ...json, taskId: 0, state: 0, videoUrl: 0, resultUrls: 0, createTime: 0, completeTime: 0, costTimeMs: 0 }, { taskId: 0, state: 0, ...REQUEST, videoUrl: 0, resultUrls: 0, createTime: 0, completeTime: 0, costTimeMs: 0 }, `${label}: request fields`);
			scenario.equal(json.videoUrl, (await sim.task(String(json.taskId))).resultUrl, `${label}: videoUrl`);
		}
		scenario.equal(fieldsOf(timedOut), ['taskId', 'state', ...Object.keys(REQUEST)], 'timeout error item: task fields');
		scenario.check(typeof timedOut.error === 'string' && String(timedOut.error).includes(String(timedOut.taskId)), () => `timeout item: ${JSON.stringify(timedOut)}`);
		scenario.equal(keys(status), ['taskId', 'state', 'model', ...SUCCESS], 'Get Task Status: fields (it knows the task by its id only)');
		scenario.equal(status.taskId, dontWait.taskId, 'Get Task Status: taskId');
		for (const [label, json] of [["Don't Wait", dontWait], ['Wait (Poll)', polled], ['callback', resumed], ['timeout', timedOut], ['Get Task Status', status]] as const) {
			const undocumented = keys(json).filter((key) => !documented.includes(key) && key !== 'error' && key !== 'timedOut');
			scenario.equal(undocumented, [], `${label}: fields not in the README's Output table`);
		}
		scenario.check(!JSON.stringify(dontWait).includes('token'), () => `Don't Wait output shows the Callback URL: ${JSON.stringify(dontWait)}`);
		scenario.equal((await sim.task(String(dontWait.taskId))).callback_url, callbackUrl, 'Callback URL sent to APIXO');
	});
});
