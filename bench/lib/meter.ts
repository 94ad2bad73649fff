/**
 * CPU and machine-load accounting around one scenario: n8n's own CPU time (the main process, and its whole
 * process group, i.e. with the task runner; in queue mode main, worker and webhook process together), the
 * simulator's, and how busy the rest of the machine was.
 */
import { cpuMsOf, groupCpuDelta, groupCpuMs, loadAverage, machineBusyMs } from './proc';

export interface MeterReading {
	elapsedMs: number;
	/** utime + stime of the n8n main process (queue mode: of main, worker and webhook process together). */
	n8nMainCpuMs: number;
	/** The same for n8n's process groups (each process with its task runner). */
	n8nGroupCpuMs: number;
	simulatorCpuMs: number;
	/**
	 * Cores kept busy, on average, by everything else on the machine (other engineers' n8n instances, tests,
	 * browsers): the machine's busy time minus n8n, the simulator and this process.
	 */
	otherCores: number;
	load1AtEnd: number;
}

interface Snapshot {
	at: number;
	main: number;
	group: Map<number, number>;
	simulator: number;
	self: number;
	machine: number;
}

/** CPU time of the process groups led by these PIDs, by PID (see groupCpuMs). */
export function groupsCpuMs(pgrps: number[]): Map<number, number> {
	return new Map(pgrps.flatMap((pgrp) => [...groupCpuMs(pgrp)]));
}

export class Meter {
	/** `n8nPids`: the n8n processes, each a process-group leader (one in single mode). */
	constructor(
		private readonly n8nPids: number[],
		private readonly simulatorPid: number,
	) {}

	private snapshot(): Snapshot {
		const self = process.cpuUsage();
		return {
			at: Date.now(),
			main: this.n8nPids.reduce((sum, pid) => sum + (cpuMsOf(pid) ?? NaN), 0),
			group: groupsCpuMs(this.n8nPids),
			simulator: [...groupCpuMs(this.simulatorPid).values()].reduce((sum, ms) => sum + ms, 0),
			self: (self.user + self.system) / 1000,
			machine: machineBusyMs(),
		};
	}

	start(): () => MeterReading {
		const before = this.snapshot();
		return () => {
			const after = this.snapshot();
			const elapsedMs = after.at - before.at;
			const n8nGroupCpuMs = groupCpuDelta(before.group, after.group);
			const simulatorCpuMs = after.simulator - before.simulator;
			const ours = n8nGroupCpuMs + simulatorCpuMs + (after.self - before.self);
			return {
				elapsedMs,
				n8nMainCpuMs: after.main - before.main,
				n8nGroupCpuMs,
				simulatorCpuMs,
				otherCores: Math.max(0, (after.machine - before.machine - ours) / Math.max(1, elapsedMs)),
				load1AtEnd: loadAverage()[0],
			};
		};
	}
}

/** utime + stime of each n8n process by its name (n8n-main, n8n-worker-1, n8n-webhook-2, …), ms; gone processes left out. */
export function n8nCpuByName(pids: Record<string, number>): Record<string, number> {
	const out: Record<string, number> = {};
	for (const [name, pid] of Object.entries(pids)) {
		const ms = name.startsWith('n8n-') ? cpuMsOf(pid) : undefined;
		if (ms !== undefined) out[name] = ms;
	}
	return out;
}

/** CPU ms each process used between two n8nCpuByName readings, divided by `per` (processes present in both). */
export function cpuDeltaByName(before: Record<string, number>, after: Record<string, number>, per = 1): Record<string, number> {
	const out: Record<string, number> = {};
	for (const [name, ms] of Object.entries(after)) if (name in before) out[name] = Math.round(((ms - before[name]) / per) * 10) / 10;
	return out;
}
