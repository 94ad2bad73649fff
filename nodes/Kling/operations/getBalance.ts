import type { IExecuteFunctions, INodeExecutionData, INodeProperties, NodeApiError } from 'n8n-workflow';

import { createClient } from '../../shared/createClient';
import { asNodeError } from '../../shared/errors';

export const getBalanceProperties: INodeProperties[] = [];

/** One balance read per input item (usually one): `{ balance, currency: "USD" }`. */
export async function executeGetBalance(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const client = await createClient(this, { signal: this.getExecutionCancelSignal() });
	const output: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const balance = await client.getBalance(itemIndex);
			output.push({ json: { balance, currency: 'USD' }, pairedItem: { item: itemIndex } });
		} catch (error) {
			if (!this.continueOnFail()) throw asNodeError(this.getNode(), error);
			output.push({ json: { error: (error as NodeApiError).message }, pairedItem: { item: itemIndex } });
		}
	}
	return [output];
}
