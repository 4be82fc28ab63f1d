/**
 * The bridge as its own process for benchmarks (so its CPU time can be read from /proc), wired to
 * emulators running in the benchmark's process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { SALESFORCE_EMULATOR_DEFAULTS } from '../../packages/emulators/src/index.js';

export const BENCH_SHARED_SECRET = 'bench-shared-secret-0123456789abcdef-0123456789';
export const BENCH_JWT_SECRET = 'bench-customer-jwt-secret-0123456789abcdef';

/** A complete environment for a bridge on `port` against these emulators. */
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
  };
}

export interface BridgeProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts packages/bridge/src/main.ts and waits until /readyz answers. BENCH_CPU_PROF=<dir> writes
 * a V8 CPU profile of the bridge there (open it in Chrome DevTools).
 */
export async function startBridgeProcess(env: Record<string, string>): Promise<BridgeProcess> {
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', 'packages/bridge/src/main.ts'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
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
