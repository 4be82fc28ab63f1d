/**
 * Both emulators in a child process (`npm run emulators -- --json`), driven over their admin API,
 * so a benchmark's load generator does not share an event loop with them.
 * BENCH_EMULATORS_CPU_PROF=<dir> writes a V8 CPU profile of that process there.
 */
import { spawn } from 'node:child_process';
import { onCpu } from './cpu-pin.js';

export interface CallStats {
  total: number;
  byRoute: Record<string, number>;
}

export interface EmulatorsProcess {
  sf: { url: string };
  sb: { url: string; appId: string; apiToken: string };
  pid: number;
  setLatency(ms: number): Promise<void>;
  resetStats(): Promise<void>;
  stats(): Promise<{ sf: CallStats; sb: CallStats }>;
  stop(): Promise<void>;
}

async function admin(url: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${url}${path}`, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}`);
  const text = await res.text();
  return text ? JSON.parse(text) : undefined;
}

export async function startEmulatorsProcess(opts: { cpu?: number } = {}): Promise<EmulatorsProcess> {
  const prof = process.env.BENCH_EMULATORS_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_EMULATORS_CPU_PROF}`] : [];
  const [command, args] = onCpu(opts.cpu, process.execPath, [
    ...prof,
    '--import',
    'tsx',
    'packages/emulators/src/cli.ts',
    '--salesforce-port',
    '0',
    '--sendbird-port',
    '0',
    '--json',
  ]);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((r) => child.once('exit', r));
  const info = await new Promise<{ salesforce: { url: string }; sendbird: { url: string; appId: string; apiToken: string } }>(
    (resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve(JSON.parse(line));
      });
      void exited.then(() => reject(new Error('the emulators exited before starting')));
    },
  );
  const sf = { url: info.salesforce.url };
  const sb = { url: info.sendbird.url, appId: info.sendbird.appId, apiToken: info.sendbird.apiToken };
  return {
    sf,
    sb,
    pid: child.pid!,
    async setLatency(ms) {
      await admin(sf.url, 'PUT', '/__admin/faults', { latencyMs: ms });
      await admin(sb.url, 'PUT', '/__admin/faults', { latencyMs: ms });
    },
    async resetStats() {
      await admin(sf.url, 'DELETE', '/__admin/stats');
      await admin(sb.url, 'DELETE', '/__admin/stats');
    },
    async stats() {
      return {
        sf: (await admin(sf.url, 'GET', '/__admin/stats')) as CallStats,
        sb: (await admin(sb.url, 'GET', '/__admin/stats')) as CallStats,
      };
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
