/**
 * The bridge as its own process for benchmarks (so its CPU time can be read from /proc), wired to
 * the emulators a benchmark started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { onCpu } from './cpu-pin.js';
import { SALESFORCE_EMULATOR_DEFAULTS } from '../../packages/emulators/src/index.js';

export const BENCH_SHARED_SECRET = 'bench-shared-secret-0123456789abcdef-0123456789';
export const BENCH_JWT_SECRET = 'bench-customer-jwt-secret-0123456789abcdef';

/**
 * A complete environment for a bridge on `port` against these emulators. Any `BENCH_BRIDGE_<NAME>`
 * in the benchmark's environment is passed to the bridge as `<NAME>`, last, so a setting can be
 * compared without editing a benchmark (e.g. `BENCH_BRIDGE_SQLITE_GROUP_COMMIT=false`).
 */
export function bridgeEnv(
  sf: { url: string },
  sb: { url: string; appId: string; apiToken: string },
  opts: { port: number; dataDir: string },
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    PORT: String(opts.port),
    DATA_DIR: opts.dataDir,
    LOG_LEVEL: 'warn',
    SALESFORCE_LOGIN_URL: sf.url,
    SALESFORCE_CLIENT_ID: SALESFORCE_EMULATOR_DEFAULTS.clientId,
    SALESFORCE_CLIENT_SECRET: SALESFORCE_EMULATOR_DEFAULTS.clientSecret,
    SENDBIRD_APP_ID: sb.appId,
    SENDBIRD_API_TOKEN: sb.apiToken,
    SENDBIRD_API_URL: sb.url,
    BRIDGE_SHARED_SECRET: BENCH_SHARED_SECRET,
    CUSTOMER_JWT_SECRET: BENCH_JWT_SECRET,
    RATE_LIMIT_PER_MINUTE: '1000000',
    ...overrides,
    ...Object.fromEntries(
      Object.entries(process.env)
        .filter(([k, v]) => k.startsWith('BENCH_BRIDGE_') && v !== undefined)
        .map(([k, v]) => [k.slice('BENCH_BRIDGE_'.length), v as string]),
    ),
  };
}

export interface BridgeProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * The bridge's command line as `npm run bridge` runs it in production (root package.json), so a
 * benchmark measures the same Node flags: `node <flags> --import tsx packages/bridge/src/main.ts`.
 */
export function bridgeCommand(): string[] {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
  const [node, ...args] = (pkg.scripts.bridge ?? '').split(/\s+/).filter(Boolean);
  if (node !== 'node' || !args.includes('packages/bridge/src/main.ts'))
    throw new Error('package.json: scripts.bridge must be "node [flags] --import tsx packages/bridge/src/main.ts"');
  return args;
}

/**
 * Starts the bridge as `npm run bridge` does and waits until /readyz answers. BENCH_CPU_PROF=<dir>
 * writes a V8 CPU profile of the bridge there (open it in Chrome DevTools). BENCH_PERF_MAP=1 starts
 * it with `--perf-basic-prof`, so that `perf record -p <pid>` names its JavaScript functions.
 */
export async function startBridgeProcess(env: Record<string, string>, opts: { cpu?: number } = {}): Promise<BridgeProcess> {
  const prof = [
    ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
    ...(process.env.BENCH_PERF_MAP === '1' ? ['--perf-basic-prof'] : []),
  ];
  // taskset execs node in place, so the child's pid is the bridge's.
  const [command, args] = onCpu(opts.cpu, process.execPath, [...prof, ...bridgeCommand()]);
  // The log goes to a file in the data directory, as it would to a log collector (not to the
  // benchmark's terminal, which would then do the work of printing it).
  const log = openSync(join(env.DATA_DIR ?? '.', 'bridge.log'), 'a');
  const child = spawn(command, args, { env, stdio: ['ignore', log, 'inherit'] });
  closeSync(log);
  const url = `http://127.0.0.1:${env.PORT}`;
  const exited = new Promise((r) => child.once('exit', r));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  };
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (i > 300 || child.exitCode !== null) {
      await stop();
      throw new Error('the bridge did not start');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, child, stop };
}

/** True when the bridge whose SQLite store is in `dataDir` has no job queued or running. */
export function jobsIdle(dataDir: string): boolean {
  const d = new Database(join(dataDir, 'bridge.sqlite'));
  try {
    return (d.prepare("SELECT COUNT(*) AS n FROM jobs WHERE state IN ('queued', 'running')").get() as { n: number }).n === 0;
  } finally {
    d.close();
  }
}
