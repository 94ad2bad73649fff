/**
 * CPU and machine-load accounting around one scenario: n8n's own CPU time (the main process, and its whole
 * process group, i.e. with the task runner), the simulator's, and how busy the rest of the machine was.
 */
import { cpuMsOf, groupCpuDelta, groupCpuMs, loadAverage, machineBusyMs } from './proc';

export interface MeterReading {
	elapsedMs: number;
	/** utime + stime of the n8n main process. */
	n8nMainCpuMs: number;
	/** The same for n8n's process group (main + task runner). */
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

export class Meter {
	constructor(
		private readonly n8nPid: number,
		private readonly simulatorPid: number,
	) {}

	private snapshot(): Snapshot {
		const self = process.cpuUsage();
		return {
			at: Date.now(),
			main: cpuMsOf(this.n8nPid) ?? NaN,
			group: groupCpuMs(this.n8nPid),
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
