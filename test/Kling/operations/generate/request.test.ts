/** What APIXO is sent for an item: the documented body, each field from the editor, nothing else. */
import { runKling } from '../../../helpers/engine';
import { SECRET_KEY, textToVideo } from '../../../helpers/fixtures';
import { apiOf, useSimulator } from '../../../helpers/simulator';

const sim = useSimulator({ apiKeys: [SECRET_KEY] });
const api = apiOf(sim);

describe('the submit body', () => {
	test('text to video: prompt, duration and aspect ratio; the additional fields only when set', async () => {
		await runKling(api(), [{ prompt: 'a red fox' }], {
			parameters: textToVideo({ duration: 10, aspectRatio: '9:16', additionalFields: { negativePrompt: 'blur', cfgScale: 0.5, provider: 'official' } }),
		});
		const [task] = sim.tasks();
		expect(task.request_type).toBe('async');
		expect(task.input).toMatchObject({ mode: 'text-to-video', prompt: 'a red fox', duration: 10, aspect_ratio: '9:16', negative_prompt: 'blur', cfg_scale: 0.5 });
		expect(task.provider).toBe('official');
	});

	test('image to video: the start image, and the end image when given; no aspect ratio (the image has one)', async () => {
		await runKling(api(), [{ prompt: 'zoom in' }], {
			parameters: {
				...textToVideo({ mode: 'imageToVideo', startImageUrl: `${sim.url}/img/start.png`, endImageUrl: `${sim.url}/img/end.png` }),
			},
		});
		const [task] = sim.tasks();
		expect(task.input).toMatchObject({ mode: 'image-to-video', image_urls: [`${sim.url}/img/start.png`, `${sim.url}/img/end.png`] });
		expect(task.input).not.toHaveProperty('aspect_ratio');
	});
});
