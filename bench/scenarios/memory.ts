/** Peak memory of n8n while Download Video stores 100 MB videos, against the same run without download. */
import { log, type Bench } from '../harness';
import { memoryOf, resetPeak, sampleRss } from '../lib/proc';
import { round } from '../lib/stats';
import type { MemoryRun } from '../results';
import { DOWNLOAD_BYTES, PATHS } from '../settings';
import { batchItems } from './batch';

export async function memoryScenario(bench: Bench, download: boolean, items: number): Promise<MemoryRun> {
	await bench.fresh();
	const pid = bench.n8nPid;
	const rssBefore = memoryOf(pid)?.rss ?? NaN;
	const reset = resetPeak(pid);
	const sampler = sampleRss(pid, 50);
	const stopMeter = bench.meter.start();
	const { outcome, execution } = await bench.run(
		download ? PATHS.download : PATHS.poll,
		batchItems(`memory ${download ? 'download' : 'no download'}`, items, ` [sim:size=${DOWNLOAD_BYTES}]`),
		300_000,
	);
	const sampled = sampler.stop();
	const hwm = memoryOf(pid)?.hwm;
	const meter = stopMeter();
	let itemsWithVideo = 0;
	let bytesStored = 0;
	if (execution) {
		const runs = execution.data?.resultData.runData.Kling ?? [];
		for (const item of runs.at(-1)?.data?.main?.[0] ?? []) {
			const binary = (item as { binary?: Record<string, { fileSize?: string; bytes?: number }> }).binary?.data;
			if (!binary) continue;
			itemsWithVideo++;
			bytesStored += binary.bytes ?? parseSize(binary.fileSize);
		}
	}
	await bench.sim.settled();
	// 2 GB of videos: delete the execution (and with it its binary data) once counted.
	if (download) await bench.n8n.remove(outcome.executionId).catch(() => undefined);
	const run: MemoryRun = {
		download,
		status: outcome.status,
		error: outcome.error,
		items,
		itemsWithVideo,
		bytesStored,
		rssBeforeBytes: rssBefore,
		peakHwmBytes: reset ? hwm : undefined,
		peakSampledBytes: sampled.peakRss,
		wallMs: outcome.outputAt !== undefined && outcome.startedAt !== undefined ? outcome.outputAt - outcome.startedAt : undefined,
		n8nCpuMs: meter.n8nMainCpuMs,
		simulatorCpuMs: meter.simulatorCpuMs,
	};
	log(
		`memory, download ${download ? 'on' : 'off'}: ${run.status}, ${itemsWithVideo} videos, peak ${mb(run.peakHwmBytes ?? run.peakSampledBytes)} MB ` +
			`(before ${mb(rssBefore)} MB)`,
	);
	return run;
}

function parseSize(text: string | undefined): number {
	const match = /^([\d.]+)\s*(B|kB|KB|MB|GB)$/i.exec(text ?? '');
	if (!match) return 0;
	const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[match[2].toLowerCase() as 'b' | 'kb' | 'mb' | 'gb'];
	return Math.round(Number(match[1]) * unit);
}

const mb = (bytes: number | undefined) => (bytes === undefined ? undefined : round(bytes / 1024 / 1024));
