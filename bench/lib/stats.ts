/** Small helpers the benchmarks share: percentiles, a child's CPU time, free ports. */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { execSync } from 'node:child_process';

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** The median of unsorted numbers. */
export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

const CLK_TCK = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;

/** User and system CPU time in ms from a /proc stat file (Linux). */
function statUserSystemMs(path: string): { user: number; system: number } {
  const stat = readFileSync(path, 'utf8');
  // Fields after the command name (which is in parentheses and may contain spaces).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: (Number(fields[11]) * 1000) / CLK_TCK, system: (Number(fields[12]) * 1000) / CLK_TCK };
}

/** User + system CPU time in ms from a /proc stat file (Linux). */
function statCpuMs(path: string): number {
  const { user, system } = statUserSystemMs(path);
  return user + system;
}

/** User + system CPU time of a process in ms, from /proc (Linux). */
export function processCpuMs(pid: number): number {
  return statCpuMs(`/proc/${pid}/stat`);
}

/** A process's CPU time in ms split into user space and the kernel (system calls, page faults). */
export function processUserSystemMs(pid: number): { user: number; system: number } {
  return statUserSystemMs(`/proc/${pid}/stat`);
}

/**
 * CPU time of a Node process split into its main thread (JavaScript, and the system calls it
 * makes) and every other thread (V8's garbage collection and compiler helpers, libuv's pool).
 */
export function processCpuSplitMs(pid: number): { main: number; others: number } {
  let others = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    if (Number(tid) === pid) continue;
    try {
      others += statCpuMs(`/proc/${pid}/task/${tid}/stat`);
    } catch {
      /* the thread ended */
    }
  }
  return { main: statCpuMs(`/proc/${pid}/task/${pid}/stat`), others };
}

/**
 * CPU time of the whole machine in ms, every core, from /proc/stat (Linux): `busy` is what every
 * process and the kernel used; `steal` is time the host gave to someone else.
 */
export function machineCpuMs(): { busy: number; steal: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  return { busy: (user! + nice! + system! + irq! + softirq!) * tick, steal: (steal ?? 0) * tick };
}

/** A memory figure of a process in MiB (`VmRSS` now, `VmHWM` its peak), from /proc (Linux). */
function statusMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Resident memory of a process now, in MiB. */
export const rssMiB = (pid: number): number => statusMiB(pid, 'VmRSS');

/** Peak resident memory of a process in MiB (VmHWM), from /proc (Linux). */
export const peakRssMiB = (pid: number): number => statusMiB(pid, 'VmHWM');

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
