import { callbackUnreachable } from '../../../../nodes/Kling/wait/callbackWait/reachability';

describe('whether APIXO can reach the resume URL', () => {
	test.each([
		['http://localhost:5678/webhook-waiting/1', true],
		['http://127.0.0.1:5678/webhook-waiting/1', true],
		['http://192.168.1.4:5678/webhook-waiting/1', true],
		['http://10.0.0.8/webhook-waiting/1', true],
		['http://172.20.0.3/webhook-waiting/1', true],
		['http://169.254.10.1/webhook-waiting/1', true],
		['http://[::1]:5678/webhook-waiting/1', true],
		['http://n8n:5678/webhook-waiting/1', true],
		['https://n8n.example.com/webhook-waiting/1', false],
		['https://203.0.113.7/webhook-waiting/1', false],
	])('%s behind a public API: unreachable %s', (resumeUrl, unreachable) => {
		expect(callbackUnreachable(resumeUrl, 'https://api.apixo.ai')).toBe(unreachable);
	});

	test('a local API (a simulator or proxy) can reach a local n8n', () => {
		expect(callbackUnreachable('http://127.0.0.1:5678/webhook-waiting/1', 'http://127.0.0.1:4010')).toBe(false);
	});
});
