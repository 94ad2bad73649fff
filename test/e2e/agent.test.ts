/**
 * examples/ai-agent-video-tool.json in a real n8n: n8n's AI Agent and OpenAI Chat Model, the chat model's credential
 * pointing at the stand-in chat model (test/llm, a real HTTP server speaking OpenAI's chat completions), and this
 * package's Kling tools against the APIXO simulator. Messages go in as the chat widget sends them, a POST to the
 * chat trigger's webhook, and the agent's answer comes back in the response. The stand-in records what n8n sent
 * it: the tools offered with their schemas, and the tool results the agent read.
 */
import { isWebhookRegistered } from '../../scripts/e2e/n8n';
import type { OfferedTool, ToolCall } from '../llm/model';
import type { RecordedChat } from '../llm/server';
import { chatModel, n8n, Scenario, sim, state, summary, type Execution } from './harness/client';
import { createCopy, example, testCopy, type Example } from './harness/examples';

const EXAMPLE = 'ai-agent-video-tool.json';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Copies of the example: `example` as it is (with testCopy's changes); `callbackShortWait` with Make Video set to
 * Wait (Pause Until Callback) and a Timeout of 0.03 minutes (1.8 s).
 */
const VARIANTS = {
	example: (workflow: Example['workflow']) => workflow,
	callbackShortWait: (workflow: Example['workflow']) => {
		const makeVideo = workflow.nodes.find((node) => node.name === 'Make Video') as Example['workflow']['nodes'][number];
		makeVideo.parameters.waitMode = 'callback';
		makeVideo.parameters.options = { ...(makeVideo.parameters.options as object), timeout: 0.03 };
		return workflow;
	},
	selectedFields: (workflow: Example['workflow']) => withOutput(workflow, { output: 'selected', fields: ['state', 'videoUrl'] }),
	raw: (workflow: Example['workflow']) => withOutput(workflow, { output: 'raw' }),
};
type Variant = keyof typeof VARIANTS;

function withOutput(workflow: Example['workflow'], parameters: Record<string, unknown>): Example['workflow'] {
	const makeVideo = workflow.nodes.find((node) => node.name === 'Make Video') as Example['workflow']['nodes'][number];
	Object.assign(makeVideo.parameters, parameters);
	return workflow;
}

/** n8n before 1.123 has no `@tool` display rule: a tool there shows Simplify (off) instead of Output. */
const toolOutputChoice = () => !/^1\.(\d|[1-9]\d|1[01]\d|12[0-2])\./.test(state().n8nVersion);

/** The chat trigger's production path of a copy: <webhookId>/chat. */
const chatPath = (variant: Variant) => `kling-example-chat-e2e-${variant.toLowerCase()}/chat`;

const published = new Map<Variant, Promise<string>>();

/** A copy of the example, created and published once for this file; its id. */
async function agentWorkflow(scenario: Scenario, variant: Variant): Promise<string> {
	if (!published.has(variant)) {
		published.set(
			variant,
			(async () => {
				const copy = VARIANTS[variant](testCopy(example(EXAMPLE), state()));
				for (const node of copy.nodes) if (node.webhookId) node.webhookId = chatPath(variant).replace(/\/chat$/, '');
				const id = await createCopy(scenario, { ...copy, name: `${copy.name} ${variant}` });
				const activated = await n8n.publicApi('POST', `workflows/${id}/activate`);
				scenario.check(activated.status === 200, () => `publishing the agent copy: ${activated.status} ${JSON.stringify(activated.body).slice(0, 300)}`);
				for (let tries = 0; tries < 150 && !(await isWebhookRegistered(state().webhookUrl, chatPath(variant))); tries++) await sleep(200);
				return id;
			})(),
		);
	}
	return await (published.get(variant) as Promise<string>);
}

interface Conversation {
	answer: string;
	execution: Execution;
	/** What n8n asked the chat model, in order, with the model's answers. */
	chats: RecordedChat[];
}

/** Sends one chat message and returns the agent's answer, its execution (which must succeed) and the model's record. */
async function ask(scenario: Scenario, message: string, variant: Variant = 'example'): Promise<Conversation> {
	const workflowId = await agentWorkflow(scenario, variant);
	await chatModel.reset();
	const before = (await n8n.executionsOf(workflowId, 1))[0]?.id;
	const response = await n8n.post(
		`${state().webhookUrl}webhook/${chatPath(variant)}`,
		{ action: 'sendMessage', sessionId: `e2e-${scenario.name.replace(/\W+/g, '-')}`, chatInput: message },
		{ 'content-type': 'application/json' },
		180_000,
	);
	const latest = scenario.must(
		(await n8n.executionsOf(workflowId, 1))[0],
		() => `the chat message started no execution: ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`,
	);
	scenario.check(latest.id !== before, () => `the chat message started no execution: ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`);
	scenario.executionId = latest.id;
	const execution = await n8n.waitFor(scenario, latest.id);
	scenario.check(
		execution.status === 'success' && response.status === 200,
		() => `chat answered ${response.status} ${JSON.stringify(response.body).slice(0, 300)}; ${summary(execution)}`,
	);
	const answer = (response.body as { output?: unknown } | undefined)?.output;
	scenario.check(typeof answer === 'string' && answer.length > 0, () => `no answer in ${JSON.stringify(response.body).slice(0, 300)}`);
	return { answer: answer as string, execution, chats: await chatModel.requests() };
}

/** The one tool call the model made, with its arguments parsed. */
function onlyToolCall(scenario: Scenario, chats: RecordedChat[]): { call: ToolCall; args: Record<string, unknown> } {
	const calls = chats.flatMap((chat) => chat.reply.tool_calls ?? []);
	scenario.equal(calls.length, 1, 'tool calls the model made');
	return { call: calls[0], args: JSON.parse(calls[0].function.arguments) as Record<string, unknown> };
}

/** What the tool returned to the agent: the tool message n8n sent back to the model. */
function toolResult(scenario: Scenario, chats: RecordedChat[], call: ToolCall): string {
	const message = scenario.must(
		chats.flatMap((chat) => chat.body.messages ?? []).find((each) => each.role === 'tool' && each.tool_call_id === call.id),
		() => `n8n never sent the model the result of ${call.function.name} (${call.id})`,
	);
	return typeof message.content === 'string' ? message.content : JSON.stringify(message.content);
}

/** The `$fromAI` keys and descriptions a node of the example declares. */
function fromAiDescriptions(nodeName: string): Record<string, string> {
	const node = example(EXAMPLE).workflow.nodes.find((each) => each.name === nodeName);
	const text = JSON.stringify(node?.parameters ?? {});
	return Object.fromEntries([...text.matchAll(/\$fromAI\('(\w+)', '([^']*)'/g)].map(([, key, description]) => [key, description]));
}

describe('the AI Agent example in a real n8n', () => {
	test('"make a video": the agent calls Make Video once, the prompt it wrote reaches APIXO, and the answer carries the video URL', async () => {
		const scenario = new Scenario('agent makes a video');
		const submitsBefore = (await sim.stats()).submitsAccepted;
		const { answer, chats } = await ask(scenario, 'Make a video of a red fox running through fresh snow at dawn, slow tracking shot');

		// What n8n offered the model: both tools, each parameter with the description written in the example.
		const offered = new Map((chats[0]?.body.tools ?? []).map((tool: OfferedTool) => [tool.function.name, tool.function]));
		for (const [tool, node] of [['Make_Video', 'Make Video'], ['Get_Task_Status', 'Get Task Status']]) {
			const schema = scenario.must(offered.get(tool), () => `tool ${tool} was not offered (offered: ${[...offered.keys()].join(', ')})`);
			const descriptions = Object.fromEntries(Object.entries(schema.parameters?.properties ?? {}).map(([key, property]) => [key, property.description]));
			scenario.equal(descriptions, fromAiDescriptions(node), `parameters of ${tool} and their descriptions`);
		}

		const { call, args } = onlyToolCall(scenario, chats);
		scenario.equal(call.function.name, 'Make_Video', 'tool called');
		scenario.equal((await sim.stats()).submitsAccepted - submitsBefore, 1, 'submits APIXO received');
		const [task] = (await sim.tasks()).filter((each) => each.input.prompt === args.prompt);
		scenario.must(task, () => `no task at APIXO has the prompt the model wrote: ${JSON.stringify(args.prompt)}`);
		scenario.equal(
			{ mode: task.input.mode, aspectRatio: task.input.aspect_ratio, state: task.state },
			{ mode: 'text-to-video', aspectRatio: args.aspectRatio, state: 'success' },
			`task ${task.taskId} at APIXO`,
		);
		const result = toolResult(scenario, chats, call);
		scenario.check(result.includes(String(task.resultUrl)), () => `the tool result lacks the video URL ${task.resultUrl}: ${JSON.stringify(result.slice(0, 500))}`);
		scenario.check(answer.includes(String(task.resultUrl)), () => `the answer lacks the video URL ${task.resultUrl}: ${answer}`);
		// Output: Simplified, the default of a tool: at most 10 fields, taskId and videoUrl among them (n8n before 1.123
		// offers a tool no Output choice, and Simplify is off by default: every field).
		const [item] = JSON.parse(result) as Array<Record<string, unknown>>;
		scenario.check(
			(toolOutputChoice() ? Object.keys(item ?? {}).length <= 10 : 'resultUrls' in (item ?? {})) && item?.taskId === task.taskId && item?.videoUrl === task.resultUrl,
			() => `the tool result's fields: ${result.slice(0, 500)}`,
		);
	});

	test('Output: Selected Fields gives the agent exactly the chosen fields and taskId; Raw every field (n8n before 1.123: every field)', async () => {
		const scenario = new Scenario('agent tool output choice');
		const every = ['taskId', 'state', 'model', 'mode', 'duration', 'aspectRatio', 'videoUrl', 'resultUrls', 'createTime', 'completeTime', 'costTimeMs'];
		for (const [variant, expected] of [
			['selectedFields', toolOutputChoice() ? ['taskId', 'state', 'videoUrl'] : every],
			['raw', every],
		] as const) {
			const { chats } = await ask(scenario, 'Make a video of waves on a pebble beach at dusk', variant);
			const { call } = onlyToolCall(scenario, chats);
			const [item] = JSON.parse(toolResult(scenario, chats, call)) as Array<Record<string, unknown>>;
			scenario.equal(Object.keys(item ?? {}).sort(), [...expected].sort(), `${variant}: the fields the agent read`);
		}
	});

	test('"what is the status of task_…": the agent asks Get Task Status and answers with the task\'s state, making no video', async () => {
		const scenario = new Scenario('agent asks for a status');
		const taskId = await sim.submit('A lighthouse in a storm, seen from the sea [sim:ms=600000]');
		await sim.complete(taskId);
		const task = await sim.task(taskId);
		const submitsBefore = (await sim.stats()).submitsAccepted;
		const { answer, chats } = await ask(scenario, `What is the status of ${taskId}?`);

		const { call, args } = onlyToolCall(scenario, chats);
		scenario.equal({ tool: call.function.name, args }, { tool: 'Get_Task_Status', args: { taskId } }, 'tool call');
		scenario.equal((await sim.stats()).submitsAccepted - submitsBefore, 0, 'submits APIXO received');
		for (const fact of [taskId, task.state, String(task.resultUrl)]) {
			scenario.check(answer.includes(fact), () => `the answer lacks "${fact}": ${answer}`);
		}
	});

	test('a task that fails at APIXO reaches the agent as a readable tool result; the run succeeds', async () => {
		const scenario = new Scenario('agent meets a failed task');
		const { answer, chats } = await ask(scenario, 'Make a video of a crowded beach at noon [sim:fail=CONTENT_VIOLATION]');

		const { call, args } = onlyToolCall(scenario, chats);
		scenario.equal(call.function.name, 'Make_Video', 'tool called');
		const [task] = (await sim.tasks()).filter((each) => each.input.prompt === args.prompt);
		scenario.must(task, () => `no task at APIXO has the prompt the model wrote: ${JSON.stringify(args.prompt)}`);
		scenario.equal({ state: task.state, failCode: task.failCode }, { state: 'failed', failCode: 'CONTENT_VIOLATION' }, `task ${task.taskId} at APIXO`);
		const result = toolResult(scenario, chats, call);
		for (const fact of [task.taskId, 'CONTENT_VIOLATION', String(task.failMsg)]) {
			scenario.check(result.includes(fact), () => `the tool result lacks "${fact}": ${JSON.stringify(result.slice(0, 500))}`);
			scenario.check(answer.includes(fact), () => `the answer lacks "${fact}": ${answer}`);
		}
	});

	test('Wait (Pause Until Callback) inside the agent: the run is not paused, the node says it polled, and a task that outlasts the Timeout comes back as a readable result naming it', async () => {
		const scenario = new Scenario('agent with a pause-until-callback tool that times out');
		const { answer, chats, execution } = await ask(scenario, 'Make a video of a slow sunrise over the mountains [sim:ms=600000]', 'callbackShortWait');
		// n8n 1.85 keeps no hints of a node run as a tool (its SupplyDataContext has no addExecutionHints); 1.123 and 2.41 show them.
		if (!/^1\.(\d|[1-7]\d|8[0-5])\./.test(state().n8nVersion)) {
			const hints = (execution.data?.resultData.runData['Make Video'] ?? []).flatMap((run) => run.hints ?? []).map((hint) => hint.message);
			scenario.check(
				hints.some((hint) => /polling/i.test(hint ?? '')),
				() => `Make Video's run does not say it polled instead of pausing (hints: ${JSON.stringify(hints)})`,
			);
		}

		const { call, args } = onlyToolCall(scenario, chats);
		const [task] = (await sim.tasks()).filter((each) => each.input.prompt === args.prompt);
		scenario.must(task, () => `no task at APIXO has the prompt the model wrote: ${JSON.stringify(args.prompt)}`);
		scenario.equal({ requestType: task.request_type, callbackUrl: task.callback_url ?? null }, { requestType: 'async', callbackUrl: null }, 'how the task was submitted (polled, no callback)');
		const result = toolResult(scenario, chats, call);
		const parsed = JSON.parse(result) as Array<Record<string, unknown>>;
		scenario.equal(parsed[0]?.taskId, task.taskId, 'task id in the tool result');
		scenario.check(typeof parsed[0]?.error === 'string' && /timed out/i.test(String(parsed[0].error)), () => `the tool result does not say the wait timed out: ${result.slice(0, 500)}`);
		scenario.check(answer.includes(task.taskId), () => `the answer lacks the task id ${task.taskId}: ${answer}`);
	});
});
