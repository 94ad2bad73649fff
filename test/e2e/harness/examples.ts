/**
 * The importable workflows in examples/. globalSetup imports each one unchanged with n8n's CLI. To run them
 * against the simulator, a test copy is created through the public API with only what must differ here:
 * the wait timings (APIXO's advised 30 s / 5 s become 0.5 s / 0.2 s), the folder files are written to
 * (this run's N8N_RESTRICT_FILE_ACCESS_TO instead of Docker's /home/node/.n8n-files), the public n8n address
 * (this n8n's webhook URL) and the trigger's webhook id (so the copy does not clash with the original). For the AI
 * Agent example also: the OpenAI Chat Model gets the credential of the stand-in chat model (test/llm), and the chat
 * trigger is made public so its production webhook answers a POST as the chat widget sends it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { n8n, repoDir, type Scenario } from './client';
import { FAST, PACKAGE } from './workflows';

export interface Example {
	file: string;
	workflow: {
		id: string;
		name: string;
		nodes: Array<{
			name: string;
			type: string;
			typeVersion: number;
			parameters: Record<string, unknown>;
			webhookId?: string;
			credentials?: Record<string, { id: string; name: string }>;
		}>;
		connections: Record<string, unknown>;
		settings?: Record<string, unknown>;
	};
}

export const examplesDir = join(repoDir, 'examples');

export function examples(): Example[] {
	return readdirSync(examplesDir)
		.filter((file) => file.endsWith('.json'))
		.sort()
		.map((file) => ({ file, workflow: JSON.parse(readFileSync(join(examplesDir, file), 'utf8')) }));
}

export function example(file: string): Example {
	const found = examples().find((each) => each.file === file);
	if (!found) throw new Error(`examples/${file} is missing`);
	return found;
}

const DOCKER_FILES_FOLDER = '/home/node/.n8n-files';
const PUBLIC_N8N = 'https://your-n8n.example.com/';

const KLING_NODES = [`${PACKAGE}.kling`, `${PACKAGE}.klingTool`];

export function testCopy(
	source: Example,
	{ filesFolder, webhookUrl, openAiCredential }: { filesFolder: string; webhookUrl: string; openAiCredential?: { id: string; name: string } },
): Example['workflow'] {
	const text = JSON.stringify(source.workflow)
		.split(DOCKER_FILES_FOLDER)
		.join(filesFolder)
		.split(PUBLIC_N8N)
		.join(webhookUrl)
		.replace(/kling-example-(receiver|chat)/g, 'kling-example-$1-e2e');
	const copy = JSON.parse(text) as Example['workflow'];
	for (const node of copy.nodes) {
		if (node.type === '@n8n/n8n-nodes-langchain.lmChatOpenAi' && openAiCredential) node.credentials = { openAiApi: openAiCredential };
		if (node.type === '@n8n/n8n-nodes-langchain.chatTrigger') node.parameters.public = true;
		if (!KLING_NODES.includes(node.type)) continue;
		const options = (node.parameters.options ?? {}) as Record<string, unknown>;
		node.parameters.options = { ...options, ...FAST };
	}
	return { ...copy, name: `${copy.name} (e2e copy)` };
}

/** Creates the copy through the public API and returns its id. */
export async function createCopy(scenario: Scenario, workflow: Example['workflow']): Promise<string> {
	const { name, nodes, connections, settings } = workflow;
	const created = await n8n.publicApi('POST', 'workflows', { name, nodes, connections, settings: settings ?? {} });
	scenario.check(created.status === 200, () => `creating "${workflow.name}": ${created.status} ${JSON.stringify(created.body).slice(0, 300)}`);
	return String((created.body as { id: string }).id);
}
