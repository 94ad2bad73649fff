/** The stand-in chat model (test/llm, compiled to build/) as a process of the environment: what the OpenAI credential points at. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { http } from './http';
import { logTail, startProcess, waitFor, type Started } from './processes';

/** The key the stand-in requires and the credential carries: no real OpenAI key is ever used. */
export const CHAT_MODEL_API_KEY = 'stand-in-key';

export async function startChatModelProcess(repoDir: string, runDir: string, port: number, nodePath: string): Promise<{ process: Started; url: string }> {
	const cli = join(repoDir, 'build', 'test', 'llm', 'cli.js');
	if (!existsSync(cli)) throw new Error(`${cli} is missing: compile the tools first (npx tsc -p tsconfig.tools.json)`);
	const chatModel = startProcess(runDir, 'chat-model', nodePath, [cli, '--port', String(port), '--api-key', CHAT_MODEL_API_KEY]);
	const url = `http://127.0.0.1:${port}/v1`;
	await waitFor(
		'the stand-in chat model to answer',
		async () => ((await http(`${url}/models`, { timeoutMs: 2000, headers: { authorization: `Bearer ${CHAT_MODEL_API_KEY}` } })).status === 200 ? true : undefined),
		{ timeoutMs: 20_000, intervalMs: 100, abortIf: () => (chatModel.hasExited() ? `it exited:\n${logTail(chatModel.logFile)}` : undefined) },
	);
	return { process: chatModel, url };
}
