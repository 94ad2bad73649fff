/** The stand-in chat model (test/llm): it must speak OpenAI's chat completions as n8n's OpenAI Chat Model expects, or the agent tests lie. */
import { startChatModel, type ChatModel } from './server';

const KEY = 'stand-in-key';
let model: ChatModel;

beforeAll(async () => {
	model = await startChatModel({ apiKey: KEY });
});
afterAll(() => model.close());
beforeEach(() => model.reset());

const TOOLS = [
	{
		type: 'function',
		function: {
			name: 'Make_Video',
			description: 'Makes a video',
			parameters: {
				type: 'object',
				properties: {
					prompt: { type: 'string', description: 'What the video shows' },
					aspectRatio: { type: 'string', description: 'Shape of the video, one of 16:9 (landscape), 9:16 (portrait) or 1:1 (square).' },
				},
				required: ['prompt', 'aspectRatio'],
			},
		},
	},
	{
		type: 'function',
		function: {
			name: 'Get_Task_Status',
			description: 'Looks up a task',
			parameters: { type: 'object', properties: { taskId: { type: 'string', description: 'The task ID' } }, required: ['taskId'] },
		},
	},
];

async function complete(body: Record<string, unknown>, key = KEY): Promise<Response> {
	return await fetch(`${model.url}/chat/completions`, {
		method: 'POST',
		headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
		body: JSON.stringify({ model: 'gpt-4.1-mini', ...body }),
	});
}

const user = (content: string) => ({ role: 'user', content });

describe('stand-in chat model', () => {
	test('a request for a video: one call to the tool that takes a prompt, arguments built from its schema', async () => {
		const response = await complete({ messages: [{ role: 'system', content: 'You make videos.' }, user('A fox in the snow')], tools: TOOLS });
		expect(response.status).toBe(200);
		const body = (await response.json()) as { object: string; choices: Array<{ finish_reason: string; message: { content: null; tool_calls: any[] } }> };
		expect(body.object).toBe('chat.completion');
		expect(body.choices[0].finish_reason).toBe('tool_calls');
		const [call] = body.choices[0].message.tool_calls;
		expect(call.function.name).toBe('Make_Video');
		expect(JSON.parse(call.function.arguments)).toEqual({ prompt: 'A fox in the snow', aspectRatio: '16:9' });
		expect(model.requests()).toHaveLength(1);
		expect(model.requests()[0].body.tools?.map((tool) => tool.function.name)).toEqual(['Make_Video', 'Get_Task_Status']);
	});

	test('a message naming a task id goes to the tool that takes a taskId', async () => {
		const response = await complete({ messages: [user('How is task_0a1b2c3d doing?')], tools: TOOLS });
		const body = (await response.json()) as { choices: Array<{ message: { tool_calls: any[] } }> };
		const [call] = body.choices[0].message.tool_calls;
		expect({ name: call.function.name, args: JSON.parse(call.function.arguments) }).toEqual({ name: 'Get_Task_Status', args: { taskId: 'task_0a1b2c3d' } });
	});

	test('after a tool result it answers in text quoting the video URL, or the failure', async () => {
		const call = { id: 'call_1', type: 'function', function: { name: 'Make_Video', arguments: '{}' } };
		const conversation = (result: unknown) => [user('A fox'), { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: 'call_1', content: JSON.stringify(result) }];
		const answer = async (result: unknown) => {
			const body = (await (await complete({ messages: conversation(result), tools: TOOLS })).json()) as { choices: Array<{ finish_reason: string; message: { content: string } }> };
			expect(body.choices[0].finish_reason).toBe('stop');
			return body.choices[0].message.content;
		};
		expect(await answer([{ taskId: 'task_1', state: 'success', videoUrl: 'https://files.example.com/task_1.mp4' }])).toContain('https://files.example.com/task_1.mp4');
		const failed = await answer([{ taskId: 'task_2', state: 'failed', error: 'Task task_2 failed', failCode: 'CONTENT_VIOLATION', failMsg: 'Not allowed.' }]);
		for (const fact of ['task_2', 'failed', 'CONTENT_VIOLATION', 'Not allowed.']) expect(failed).toContain(fact);
	});

	test('with stream: true the same answer arrives as server-sent chunks ending in [DONE]', async () => {
		const response = await complete({ messages: [user('A fox in the snow')], tools: TOOLS, stream: true });
		expect(response.headers.get('content-type')).toContain('text/event-stream');
		const events = (await response.text()).split('\n\n').filter(Boolean).map((event) => event.replace(/^data: /, ''));
		expect(events.at(-1)).toBe('[DONE]');
		const chunks = events.slice(0, -1).map((event) => JSON.parse(event) as { object: string; choices: Array<{ delta: any; finish_reason: string | null }> });
		expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true);
		const calls = chunks.flatMap((chunk) => chunk.choices.flatMap((choice) => choice.delta.tool_calls ?? []));
		expect(calls.map((call) => [call.function.name, JSON.parse(call.function.arguments)])).toEqual([['Make_Video', { prompt: 'A fox in the snow', aspectRatio: '16:9' }]]);
		expect(chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.finish_reason)).filter(Boolean)).toEqual(['tool_calls']);
	});

	test('lists models for the credential test, and refuses a wrong key as OpenAI does', async () => {
		const models = await fetch(`${model.url}/models`, { headers: { authorization: `Bearer ${KEY}` } });
		expect(((await models.json()) as { data: Array<{ id: string }> }).data.map((each) => each.id)).toContain('gpt-4.1-mini');
		const refused = await complete({ messages: [user('hi')] }, 'sk-wrong');
		expect(refused.status).toBe(401);
		expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
		expect(model.requests()).toHaveLength(0);
	});
});
