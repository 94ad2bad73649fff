/** Messages name a host, never a path or query (a URL may carry a token). */
import { hostForMessages, hostOf } from '../../nodes/shared/hosts';

describe('hosts in messages', () => {
	test('the host with its port, without path or query', () => {
		expect(hostForMessages('https://api.apixo.ai:8443/api/v1/x?token=secret')).toBe('api.apixo.ai:8443');
	});

	test('text that is no URL is named as the configured address', () => {
		expect(hostForMessages('not a url')).toBe('the configured address');
		expect(hostOf('not a url')).toBeUndefined();
	});
});
