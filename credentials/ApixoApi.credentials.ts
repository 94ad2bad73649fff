import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

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
			default: 'https://api.apixo.ai',
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
			url: '/api/v1/apikeys/current-balance',
			method: 'GET',
		},
	};
}
