/**
 * CPU pinning for benchmarks (Linux `taskset`, from util-linux): the bridge on one core, the
 * emulators and the load generator on the other. In production the bridge has its cores to itself
 * and Salesforce and Sendbird run elsewhere; on a 2-core machine without pinning, the scheduler
 * keeps moving the three processes across both cores, and every hop of a request can wait for
 * another process's time slice, which measures the machine's scheduling rather than the bridge.
 * BENCH_PIN=0 turns it off (the figures then include that interference).
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

export interface CpuPlan {
  /** Core for the bridge, and for everything else; undefined when not pinning. */
  bridge?: number;
  others?: number;
  /** What the figures were measured with, for the report. */
  describe: string;
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function cpuPlan(): CpuPlan {
  if (process.env.BENCH_PIN === '0') return { describe: 'not pinned (BENCH_PIN=0)' };
  if (availableParallelism() < 2) return { describe: 'not pinned (one core)' };
  if (!hasTaskset()) return { describe: 'not pinned (taskset not found; it is in util-linux)' };
  return { bridge: 1, others: 0, describe: 'bridge pinned to core 1; emulators and load generator to core 0 (BENCH_PIN=0 to turn off)' };
}

/** `[command, args]` that runs `args` on `cpu` (as given when `cpu` is undefined). */
export function onCpu(cpu: number | undefined, command: string, args: string[]): [string, string[]] {
  return cpu === undefined ? [command, args] : ['taskset', ['-c', String(cpu), command, ...args]];
}

/** Pins every thread of this process (the load generator) to `cpu`. */
export function pinSelf(cpu: number | undefined): void {
  if (cpu !== undefined) execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(process.pid)], { stdio: 'ignore' });
}
