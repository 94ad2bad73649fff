/**
 * How the stand-in chat model answers: deterministically, from the conversation and the tools it is offered,
 * as a tool-calling model would.
 *
 * - The last message is the user's and tools are offered: one call to one tool. A message naming a task id
 *   (`task_…`) goes to a tool that takes a taskId; any other to a tool that takes a prompt. Arguments are
 *   built from the tool's JSON schema (see `argumentFor`).
 * - The last message is a tool result: a text answer quoting what the tools returned since the user's message
 *   (the video URL, the state, the failure or the error).
 * - Anything else: a short text answer.
 */

export type MessageContent = string | null | undefined | Array<{ type?: string; text?: string }>;

export interface ToolCall {
	id: string;
	type: 'function';
	function: { name: string; arguments: string };
}

export interface ChatMessage {
	role: 'system' | 'developer' | 'user' | 'assistant' | 'tool' | 'function';
	content?: MessageContent;
	tool_calls?: ToolCall[];
	tool_call_id?: string;
	name?: string;
}

export interface JsonSchema {
	type?: string | string[];
	description?: string;
	properties?: Record<string, JsonSchema>;
	required?: string[];
	enum?: unknown[];
	default?: unknown;
	minimum?: number;
}

export interface OfferedTool {
	type: 'function';
	function: { name: string; description?: string; parameters?: JsonSchema };
}

export interface ChatRequest {
	model?: string;
	messages?: ChatMessage[];
	tools?: OfferedTool[];
	stream?: boolean;
}

/** The assistant's turn: text, or tool calls (then no text). */
export interface AssistantMessage {
	role: 'assistant';
	content: string | null;
	tool_calls?: ToolCall[];
}

const TASK_ID = /\btask_[A-Za-z0-9]+\b/;

export function textOf(content: MessageContent): string {
	if (typeof content === 'string') return content;
	if (!Array.isArray(content)) return '';
	return content.map((part) => (typeof part?.text === 'string' ? part.text : '')).join('');
}

function takes(tool: OfferedTool, pattern: RegExp): boolean {
	return Object.keys(tool.function.parameters?.properties ?? {}).some((name) => pattern.test(name));
}

function chooseTool(tools: OfferedTool[], text: string): OfferedTool {
	const byTaskId = (tool: OfferedTool) => takes(tool, /task.?id/i);
	if (TASK_ID.test(text)) return tools.find(byTaskId) ?? tools[0];
	return tools.find((tool) => takes(tool, /prompt/i)) ?? tools.find((tool) => !byTaskId(tool)) ?? tools[0];
}

/**
 * A value for one parameter, as a careful model would pick it: the task id the user named; for a choice, its
 * first allowed value (an `enum`, or what a description lists after "one of"); numbers and booleans from the
 * schema's default; any other text is the user's own words.
 */
export function argumentFor(name: string, schema: JsonSchema, text: string): unknown {
	const type = [schema.type ?? 'string'].flat()[0];
	if (/task.?id/i.test(name)) return TASK_ID.exec(text)?.[0] ?? '';
	if (schema.enum?.length) return schema.enum[0];
	if (type === 'number' || type === 'integer') return schema.default ?? schema.minimum ?? 1;
	if (type === 'boolean') return schema.default ?? false;
	if (type === 'object' || type === 'array') return schema.default ?? (type === 'array' ? [] : {});
	const listed = /\bone of\s+["'`]?([^\s"'`,()]+)/i.exec(schema.description ?? '')?.[1];
	return listed ?? text;
}

function toolCall(tool: OfferedTool, text: string, id: string): ToolCall {
	const properties = tool.function.parameters?.properties ?? {};
	const args = Object.fromEntries(Object.entries(properties).map(([name, schema]) => [name, argumentFor(name, schema, text)]));
	return { id, type: 'function', function: { name: tool.function.name, arguments: JSON.stringify(args) } };
}

/** One sentence about what a tool returned: n8n hands a node tool's output items over as a JSON array. */
export function describeToolResult(content: string): string {
	let parsed: unknown;
	try {
		parsed = JSON.parse(content);
	} catch {
		return `The tool answered: ${content}`;
	}
	const first = (Array.isArray(parsed) ? parsed[0] : parsed) as Record<string, unknown> | undefined;
	if (typeof first !== 'object' || first === null) return `The tool answered: ${content}`;
	const field = (key: string) => (first[key] === undefined || first[key] === null || first[key] === '' ? undefined : String(first[key]));
	const task = field('taskId') ? `Task ${field('taskId')}` : 'The task';
	const parts: string[] = [];
	if (field('error')) parts.push(`The tool reported a problem: ${field('error')?.replace(/\.$/, '')}.`);
	if (field('state')) parts.push(`${task} is ${field('state')}.`);
	if (field('failCode') || field('failMsg')) parts.push(`APIXO says ${[field('failCode'), field('failMsg')].filter(Boolean).join(': ')}`);
	if (field('videoUrl')) parts.push(`Your video: ${field('videoUrl')} (the link expires after 15 days).`);
	return parts.length > 0 ? parts.join(' ') : `The tool answered: ${content}`;
}

/** The model's next turn. `nextId` names tool calls (call_1, call_2, …). */
export function respond(request: ChatRequest, nextId: () => string): AssistantMessage {
	const messages = request.messages ?? [];
	const tools = (request.tools ?? []).filter((tool) => tool?.type === 'function' && tool.function?.name);
	const last = messages.at(-1);
	if (last?.role === 'user' && tools.length > 0) {
		const text = textOf(last.content);
		return { role: 'assistant', content: null, tool_calls: [toolCall(chooseTool(tools, text), text, nextId())] };
	}
	if (last?.role === 'tool' || last?.role === 'function') {
		const sinceUser = messages.slice(messages.map((message) => message.role).lastIndexOf('user') + 1);
		const results = sinceUser.filter((message) => message.role === 'tool' || message.role === 'function');
		return { role: 'assistant', content: results.map((message) => describeToolResult(textOf(message.content))).join('\n') };
	}
	return { role: 'assistant', content: 'Tell me what video to make, or which task (task_…) to look up.' };
}
