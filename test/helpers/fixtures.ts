import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import type { EngineRun } from './engine';

/** A key distinctive enough that finding it anywhere in a run means it leaked. */
export const SECRET_KEY = 'sk-apixo-test-7f3a91c2e5b84d06';

/** Fast-moving wait options: tasks in these tests take a fraction of a second. */
export const FAST_WAIT = { initialDelay: 0.05, pollInterval: 0.05 };

export function textToVideo(extra: IDataObject = {}, options: IDataObject = {}): IDataObject {
	return {
		operation: 'generate',
		mode: 'textToVideo',
		prompt: '={{ $json.prompt }}',
		waitMode: 'none',
		...extra,
		options: { ...FAST_WAIT, ...options },
	};
}

export function jsonOf(items: INodeExecutionData[]): IDataObject[] {
	return items.map((item) => item.json);
}

/** The node's error as a user sees it: message and description. */
export function errorOf(run: EngineRun): { message: string; description: string } {
	const error = run.run.data.resultData.error as { message?: string; description?: string } | undefined;
	if (!error) throw new Error(`Expected the run to fail, but it ended ${run.run.status}`);
	return { message: error.message ?? '', description: error.description ?? '' };
}

/** Prompts with simulator directives: how long each task takes and how it ends. */
export function prompts(count: number, directive: (index: number) => string = () => '[sim:ms=200]'): IDataObject[] {
	return Array.from({ length: count }, (_, index) => ({ prompt: `Video ${index} ${directive(index)}` }));
}
