/**
 * The model of the tutorial's server (tutorial-server.ts) as its own process, like the bridge in
 * bridge-process.ts, so that its CPU time can be read from /proc; wired to the emulators a
 * benchmark or test started, logging in to Salesforce as the emulator's integration user.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onCpu } from './cpu-pin.js';
import { SALESFORCE_EMULATOR_DEFAULTS } from '../../packages/emulators/src/index.js';

export interface TutorialProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startTutorialProcess(
  sf: { url: string },
  sb: { url: string; apiToken: string },
  opts: { cpu?: number } = {},
): Promise<TutorialProcess> {
  const env = {
    PATH: process.env.PATH ?? '',
    PORT: '0',
    SALESFORCE_URL: sf.url,
    SALESFORCE_CLIENT_ID: SALESFORCE_EMULATOR_DEFAULTS.clientId,
    SALESFORCE_CLIENT_SECRET: SALESFORCE_EMULATOR_DEFAULTS.clientSecret,
    SALESFORCE_USERNAME: SALESFORCE_EMULATOR_DEFAULTS.integrationUsername,
    SALESFORCE_PASSWORD: SALESFORCE_EMULATOR_DEFAULTS.integrationPassword,
    SENDBIRD_API_URL: sb.url,
    SENDBIRD_API_TOKEN: sb.apiToken,
  };
  const script = fileURLToPath(new URL('./tutorial-server.ts', import.meta.url));
  // taskset execs node in place, so the child's pid is the server's.
  // BENCH_CPU_PROF=<dir> profiles it as it does the bridge (bridge-process.ts).
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const [command, args] = onCpu(opts.cpu, process.execPath, [...prof, '--import', 'tsx', script]);
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((r) => child.once('exit', r));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve((JSON.parse(line) as { url: string }).url);
      });
      void exited.then(() => reject(new Error("the tutorial's server exited before listening")));
    });
    return { url, child, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
