import { runKling } from '../../helpers/engine';
import { jsonOf, SECRET_KEY } from '../../helpers/fixtures';
import { apiOf, useSimulator } from '../../helpers/simulator';

const sim = useSimulator({ apiKeys: [SECRET_KEY], balance: 42.5 });
const api = apiOf(sim);

describe('Get Balance', () => {
	test('outputs the balance in USD', async () => {
		const run = await runKling(api(), [{}], { parameters: { operation: 'getBalance' } });
		expect(jsonOf(run.output())).toEqual([{ balance: 42.5, currency: 'USD' }]);
		expect(run.output()[0].pairedItem).toEqual({ item: 0 });
	});
});
