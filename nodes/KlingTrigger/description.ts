import type { INodeProperties } from 'n8n-workflow';

/** The Kling Trigger's parameters, as the editor shows them. */
export const klingTriggerProperties: INodeProperties[] = [
	{
		displayName:
			"Paste this node's Production URL into the Callback URL of the Kling node (Additional Fields), adding ?token=YOUR_TOKEN if you set a Token below. APIXO must be able to reach that URL: this n8n needs a public address (WEBHOOK_URL). While testing, use the Test URL the same way.",
		name: 'notice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Trigger On',
		name: 'events',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Both', value: 'both', description: 'Every task that ends, successful or failed' },
			{ name: 'Failed Tasks Only', value: 'failed', description: 'Tasks that ended with state "failed"' },
			{ name: 'Successful Tasks Only', value: 'success', description: 'Tasks that ended with state "success"' },
		],
		default: 'both',
		description: 'Which ended tasks start the workflow. Callbacks of other tasks are answered but start nothing.',
	},
	{
		displayName: 'Verify With APIXO',
		name: 'verifyWithApi',
		type: 'boolean',
		default: true,
		description:
			"Whether to confirm every callback with APIXO's status endpoint before starting the workflow. APIXO does not sign callbacks, so anyone who knows this URL could post a fake one. When on, the output carries what the API says (state, video URL), and a task the API does not know, or that has not ended, starts nothing. A callback that comes alone is answered once it is confirmed and its workflow started; in a burst, every callback is answered first and confirmed once the burst has been answered. If APIXO cannot be read for several minutes, the task starts the workflow anyway with verified: false and the reason in verifyError. When off, the callback is passed on as received (verified: false) and no video is downloaded.",
	},
	{
		displayName: 'Token',
		name: 'token',
		type: 'string',
		typeOptions: { password: true },
		default: '',
		description:
			'Optional shared secret. When set, a callback must carry it in its URL as ?token=YOUR_TOKEN, or it is refused (401). Use letters, digits, - and _ so it can go into the URL as is.',
	},
	{
		displayName: 'Download Video',
		name: 'downloadVideo',
		type: 'boolean',
		default: false,
		displayOptions: { show: { verifyWithApi: [true] } },
		description:
			'Whether to download the finished MP4 into binary data (as &lt;task ID&gt;.mp4). Only the video URL that APIXO confirmed is downloaded, never one named only by a callback, so this needs Verify With APIXO. APIXO gets its answer before the download starts; if the download fails, the item says why in downloadError.',
	},
	{
		displayName: 'Put Output File in Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		displayOptions: { show: { verifyWithApi: [true], downloadVideo: [true] } },
		description: 'Name of the binary property the downloaded video is put in',
	},
];
