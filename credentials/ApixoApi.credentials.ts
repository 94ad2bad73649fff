import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

import { BALANCE_PATH, DEFAULT_BASE_URL } from '../nodes/shared/constants';

export class ApixoApi implements ICredentialType {
	name = 'apixoApi';

	displayName = 'APIXO API';

	icon: Icon = { light: 'file:../nodes/Kling/kling.svg', dark: 'file:../nodes/Kling/kling.dark.svg' };

	documentationUrl = 'https://github.com/apixo-community/n8n-nodes-apixo-kling#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'Your APIXO API key, from the API Keys page of your APIXO dashboard',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: DEFAULT_BASE_URL,
			description:
				'Change only to go through a proxy or to use a local APIXO simulator. Requests go to <Base URL>/api/v1/….',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.apiKey}}',
			},
		},
	};

	// The balance endpoint is free and read-only: the cheapest proof that the key works.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: BALANCE_PATH,
			method: 'GET',
		},
	};
}
