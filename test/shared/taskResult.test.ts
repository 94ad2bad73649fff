/** The one place a task's output fields are put together and `resultJson` is parsed. */
import { isEnded, TASK_FIELDS, toTaskResult } from '../../nodes/shared/taskResult';

describe('a task as the nodes output it', () => {
	test('a finished task: the request\'s fields, then what APIXO said, in the documented order', () => {
		const result = toTaskResult(
			{ taskId: 't1', state: 'success', resultJson: JSON.stringify({ resultUrls: ['https://cdn/a.mp4', 'https://cdn/b.mp4'] }), createTime: 1, completeTime: 2, costTime: 1 },
			{ model: 'kling-2-5-turbo-pro', mode: 'text-to-video', duration: 5, aspectRatio: '16:9' },
		);
		expect(result).toEqual({
			taskId: 't1',
			state: 'success',
			model: 'kling-2-5-turbo-pro',
			mode: 'text-to-video',
			duration: 5,
			aspectRatio: '16:9',
			videoUrl: 'https://cdn/a.mp4',
			resultUrls: ['https://cdn/a.mp4', 'https://cdn/b.mp4'],
			createTime: 1,
			completeTime: 2,
			costTimeMs: 1,
		});
		expect(Object.keys(result)).toEqual(TASK_FIELDS.filter((field) => field in result));
	});

	test('resultJson that is not JSON, or has no URLs, gives no video URL', () => {
		expect(toTaskResult({ taskId: 't1', state: 'success', resultJson: 'not json' })).not.toHaveProperty('videoUrl');
		expect(toTaskResult({ taskId: 't1', state: 'success', resultJson: '{}' })).not.toHaveProperty('videoUrl');
	});

	test('a failed task says why; a reused one says so', () => {
		expect(toTaskResult({ taskId: 't1', state: 'failed', failCode: 'NSFW', failMsg: 'refused' }, { reused: true })).toEqual({
			taskId: 't1',
			state: 'failed',
			failCode: 'NSFW',
			failMsg: 'refused',
			reused: true,
		});
	});

	test('only success and failed are ended; any other state is still running', () => {
		expect(['success', 'failed', 'pending', 'processing', 'processing_r2', undefined].map(isEnded)).toEqual([true, true, false, false, false, false]);
	});
});
