/**
 * A burst of callbacks at the Kling Trigger: many tasks end at the same moment and APIXO (the simulator, with its
 * redeliveries of anything not answered 200) calls the receiver's production URL for all of them at once. What a
 * user notices: every task starts the receiver exactly once, and every callback ends with a 200. The burst is
 * kept well inside what one n8n holds (the bench measures the limits), so a busy machine does not decide it.
 */
import { APIXO_RETRY_DELAYS_MS, mode, n8n, patiently, realRetryDelaysMs, Scenario, sim, state, summary, type Execution } from './harness/client';
import { receiverUrl, testWorkflows } from './harness/workflows';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const receiverId = testWorkflows.receiver.workflow.id;
const BURST = Number(process.env.E2E_TRIGGER_BURST ?? 50);

/** Every ended receiver execution not in `seen`, with the task id its Kling Trigger emitted. */
async function newReceiverExecutions(seen: Set<string>): Promise<Array<{ execution: Execution; taskId: string }>> {
	const found: Array<{ execution: Execution; taskId: string }> = [];
	for (const { id } of await patiently(async () => await n8n.executionsOf(receiverId, 10_000))) {
		if (seen.has(id)) continue;
		const execution = await patiently(async () => await n8n.execution(id));
		if (!execution || ['new', 'running'].includes(execution.status)) continue;
		seen.add(id);
		found.push({ execution, taskId: String(n8n.items(execution, 'Kling Trigger')[0]?.json.taskId) });
	}
	return found;
}

/** One burst: BURST tasks end at once; checks what the user notices. */
async function burst(round: number): Promise<void> {
	const scenario = new Scenario(`${BURST} callbacks at once (${mode}${round > 0 ? `, round ${round + 1}` : ''})`);
	await sim.config({ balance: 1_000_000, maxConcurrentTasks: 100_000, callbackRetryDelaysMs: realRetryDelaysMs() });
	const seen = new Set((await patiently(async () => await n8n.executionsOf(receiverId, 10_000))).map(({ id }) => id));
	const callbackUrl = receiverUrl(state().webhookUrl);
	const taskIds: string[] = [];
	for (let index = 0; index < BURST; index++) {
		// Long tasks, ended below all at once; small videos (the receiver downloads and hashes each one).
		taskIds.push(await sim.submit(`[sim:ms=3600000] [sim:size=2000] burst ${round} ${index}`, { request_type: 'callback', callback_url: callbackUrl }));
	}
	// Ending a task sends its callback at once: all of them go out together.
	await Promise.all(taskIds.map(async (taskId) => await sim.complete(taskId)));

	// Every task's callback answered 200 in the end (APIXO redelivers anything else).
	const ours = new Set(taskIds);
	// APIXO's last delivery comes 30 + 60 + 120 s after the earlier ones, each given 30 s to answer.
	const deadline = Date.now() + 360_000;
	let lastAnswer = new Map<string, number>();
	for (;;) {
		const deliveries = (await sim.stats()).callbacks.filter((delivery) => ours.has(delivery.taskId));
		lastAnswer = new Map(deliveries.map((delivery) => [delivery.taskId, delivery.status]));
		if ([...lastAnswer.values()].filter((status) => status === 200).length === BURST || Date.now() > deadline) {
			const answers: Record<string, number> = {};
			for (const delivery of deliveries) answers[delivery.status] = (answers[delivery.status] ?? 0) + 1;
			scenario.equal(
				taskIds.filter((taskId) => lastAnswer.get(taskId) !== 200).length,
				0,
				`tasks whose callback was never answered 200 (all deliveries by answer: ${JSON.stringify(answers)})`,
			);
			break;
		}
		await sleep(1000);
	}

	// Every task's execution, then a little longer: a second one for any task would show up too.
	const perTask = new Map<string, Execution[]>();
	const foreign: string[] = [];
	const until = Date.now() + 180_000;
	for (;;) {
		for (const { execution, taskId } of await newReceiverExecutions(seen)) {
			if (ours.has(taskId)) perTask.set(taskId, [...(perTask.get(taskId) ?? []), execution]);
			else foreign.push(taskId);
		}
		if (perTask.size === BURST || Date.now() > until) break;
		await sleep(1000);
	}
	await sleep(5000);
	for (const { execution, taskId } of await newReceiverExecutions(seen)) {
		if (ours.has(taskId)) perTask.set(taskId, [...(perTask.get(taskId) ?? []), execution]);
	}

	const counts = taskIds.map((taskId) => perTask.get(taskId)?.length ?? 0);
	scenario.equal(
		{ withoutExecution: counts.filter((count) => count === 0).length, withMoreThanOne: counts.filter((count) => count > 1).length },
		{ withoutExecution: 0, withMoreThanOne: 0 },
		`tasks of the burst by receiver executions (${counts.reduce((sum, count) => sum + count, 0)} executions for ${BURST} tasks)`,
	);
	const failed = [...perTask.values()].flat().filter((execution) => execution.status !== 'success');
	scenario.check(failed.length === 0, () => `receiver executions not successful: ${failed.map(summary).join('; ')}`);
	const unverified = [...perTask.values()].flat().filter((execution) => n8n.items(execution, 'Kling Trigger')[0]?.json.verified !== true);
	scenario.equal(unverified.length, 0, 'receiver executions whose task APIXO did not confirm');
}

describe(`Kling Trigger under a burst of callbacks (${mode})`, () => {
	// E2E_REPEAT=5 runs the burst five times in one environment: a load test is trusted only after that.
	const rounds = Math.max(1, Number(process.env.E2E_REPEAT ?? 1));
	test(`${BURST} tasks ending at once: every task starts the receiver exactly once, every callback is answered 200`, async () => {
		try {
			for (let round = 0; round < rounds; round++) await burst(round);
		} finally {
			await sim.config({ callbackRetryDelaysMs: APIXO_RETRY_DELAYS_MS });
		}
	}, rounds * 700_000);
});
