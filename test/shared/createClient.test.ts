/** Who pays, as the nodes remember it: one-way, never the key. */
import { accountOf } from '../../nodes/shared/createClient';

describe('the account a task is paid from', () => {
	test('the same address and key are the same account; another key or address another one', () => {
		const account = accountOf('https://api.apixo.ai', 'sk-one');
		expect(accountOf('https://api.apixo.ai', 'sk-one')).toBe(account);
		expect(accountOf('https://api.apixo.ai', 'sk-two')).not.toBe(account);
		expect(accountOf('https://other.example.com', 'sk-one')).not.toBe(account);
	});

	test('it holds nothing of the key', () => {
		const key = 'sk-apixo-secret-123456';
		expect(accountOf('https://api.apixo.ai', key)).toMatch(/^[0-9a-f]{24}$/);
		expect(accountOf('https://api.apixo.ai', key)).not.toContain('secret');
	});
});
