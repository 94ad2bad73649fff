/**
 * What the kernel says about a process: CPU time (utime + stime from /proc/<pid>/stat) and resident memory
 * (VmRSS, VmHWM from /proc/<pid>/status). Linux only; the benchmark runs on the machine n8n runs on.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** Clock ticks per second (getconf CLK_TCK, 100 on practically every Linux). */
export function clockTicks(): number {
	if (ticksPerSecond === undefined) {
		try {
			ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
		} catch {
			ticksPerSecond = 100;
		}
	}
	return ticksPerSecond;
}

interface Stat {
	pid: number;
	pgrp: number;
	/** utime + stime, in ms. */
	cpuMs: number;
}

function readStat(pid: number): Stat | undefined {
	let text: string;
	try {
		text = readFileSync(`/proc/${pid}/stat`, 'utf8');
	} catch {
		return undefined;
	}
	// Fields after "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime …
	const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
	const utime = Number(fields[11]);
	const stime = Number(fields[12]);
	return { pid, pgrp: Number(fields[2]), cpuMs: ((utime + stime) * 1000) / clockTicks() };
}

/** CPU time (user + system) the process has used so far, in ms; undefined when it is gone. */
export function cpuMsOf(pid: number): number | undefined {
	return readStat(pid)?.cpuMs;
}

/**
 * CPU time of every live process in the process group `pgrp` (the environment starts n8n as a group leader, so
 * this is n8n plus its task runner), by PID. Processes that ended in between are not counted: compare the
 * same PIDs before and after.
 */
export function groupCpuMs(pgrp: number): Map<number, number> {
	const found = new Map<number, number>();
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		const stat = readStat(Number(entry));
		if (stat && stat.pgrp === pgrp) found.set(stat.pid, stat.cpuMs);
	}
	return found;
}

/** CPU ms used between two groupCpuMs snapshots, by the processes present in both (plus new ones in full). */
export function groupCpuDelta(before: Map<number, number>, after: Map<number, number>): number {
	let total = 0;
	for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
	return total;
}

export interface Memory {
	/** Resident set size now, in bytes. */
	rss: number;
	/** Peak resident set size ("high water mark") since start or since the last resetPeak, in bytes. */
	hwm: number;
}

export function memoryOf(pid: number): Memory | undefined {
	let text: string;
	try {
		text = readFileSync(`/proc/${pid}/status`, 'utf8');
	} catch {
		return undefined;
	}
	const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
	return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/**
 * Resets VmHWM to the current RSS (writing 5 to /proc/<pid>/clear_refs, Linux 4.0+). Returns false when the
 * kernel or permissions refuse; the caller then relies on sampling VmRSS.
 */
export function resetPeak(pid: number): boolean {
	try {
		writeFileSync(`/proc/${pid}/clear_refs`, '5');
		return true;
	} catch {
		return false;
	}
}

/** Samples VmRSS every `intervalMs` until stopped; reports the highest sample. */
export function sampleRss(pid: number, intervalMs = 50): { stop: () => { peakRss: number; samples: number } } {
	let peakRss = 0;
	let samples = 0;
	const take = () => {
		const memory = memoryOf(pid);
		if (memory && memory.rss > peakRss) peakRss = memory.rss;
		samples++;
	};
	take();
	const timer = setInterval(take, intervalMs);
	return {
		stop: () => {
			clearInterval(timer);
			take();
			return { peakRss, samples };
		},
	};
}

/** The 1, 5 and 15 minute load averages. */
export function loadAverage(): [number, number, number] {
	const [one, five, fifteen] = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number);
	return [one, five, fifteen];
}

/** CPU time the whole machine has been busy (all cores: user, nice, system, irq, softirq, steal), in ms. */
export function machineBusyMs(): number {
	const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
	const [user, nice, system, , , irq, softirq, steal] = fields;
	return ((user + nice + system + irq + softirq + (steal ?? 0)) * 1000) / clockTicks();
}
