/**
 * What the nodes take from n8n at run time that differs between the n8n versions the README names (1.85 to 2.x).
 * Only types are imported from n8n-workflow here: a runtime import that an older n8n lacks keeps the node from
 * loading at all ("Class could not be found").
 */
import type { IExecuteFunctions, IWebhookFunctions, NodeConnectionType } from 'n8n-workflow';

/** `NodeConnectionTypes.Main` exists as a runtime value only from n8n-workflow 1.83; the string is the same everywhere. */
export const MAIN_CONNECTION = 'main' as NodeConnectionType;

type ExpressionContext = IExecuteFunctions | IWebhookFunctions;

export interface ExecutionStore {
	get(key: string): string | undefined;
	set(key: string, value: string): void;
}

/**
 * Values saved with the execution, readable in `webhook()` after a pause. n8n 2.x offers `context.customData`;
 * n8n-core 1.x does not, but its expressions reach the same store (`$execution.customData`). The value is
 * URI-encoded there so that no quote or brace can end the expression early.
 */
export function executionStore(context: ExpressionContext): ExecutionStore {
	const native = nativeExecutionStore(context);
	if (native) return native;
	const literal = (text: string) => JSON.stringify(encodeURIComponent(text));
	return {
		get: (key) => {
			const raw = context.evaluateExpression(`{{ $execution.customData.get(${literal(key)}) }}`, 0);
			return typeof raw === 'string' && raw !== '' ? decodeURIComponent(raw) : undefined;
		},
		set: (key, value) => {
			context.evaluateExpression(`{{ $execution.customData.set(${literal(key)}, ${literal(value)}) }}`, 0);
		},
	};
}

/** n8n 2.x's `context.customData`, where the node's context has it (not n8n-core 1.x). */
export function nativeExecutionStore(context: ExpressionContext): ExecutionStore | undefined {
	let native: ExecutionStore | undefined;
	try {
		native = (context as { customData?: ExecutionStore }).customData;
	} catch {
		return undefined; // n8n-core throws where the context has no execution data
	}
	return native && typeof native.get === 'function' && typeof native.set === 'function' ? native : undefined;
}

/** A hint in the output pane where n8n has them (from 1.79); older n8n has nowhere to show one. */
export function addHint(context: IExecuteFunctions, message: string): void {
	if (typeof context.addExecutionHints === 'function') context.addExecutionHints({ message, location: 'outputPane' });
}

/**
 * Whether the node runs as a tool of an AI Agent. n8n offers a `usableAsTool` node to agents as a second node
 * type, its name with "Tool" appended (`…kling` → `…klingTool`), in every supported version.
 */
export function runsAsAgentTool(context: IExecuteFunctions): boolean {
	return /Tool$/.test(context.getNode().type);
}

/**
 * When n8n will cut this execution (Unix ms): the workflow's Timeout Workflow setting or the instance's
 * `EXECUTIONS_TIMEOUT`, as n8n set it when the execution started. n8n keeps it on the execution's additional data
 * (`executionTimeoutTimestamp`, in n8n-workflow 1.83 to 2.41 alike) without a public getter on the node's context.
 */
export function executionDeadline(context: IExecuteFunctions | IWebhookFunctions): number | undefined {
	const additionalData = (context as unknown as { additionalData?: { executionTimeoutTimestamp?: unknown } }).additionalData;
	const deadline = additionalData?.executionTimeoutTimestamp;
	return typeof deadline === 'number' && Number.isFinite(deadline) ? deadline : undefined;
}
