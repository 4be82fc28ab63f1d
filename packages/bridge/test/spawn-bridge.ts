/** Runs the bridge's main.ts as a child process, the way an operator runs it. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

export function runMain(env: Record<string, string | undefined>) {
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { PATH: process.env.PATH ?? '', ...clean },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  /** Resolves with the URL from the "the bridge is listening" log line (needs LOG_LEVEL info). */
  const listening = new Promise<string>((resolve, reject) => {
    const check = () => {
      const line = stdout.split('\n').find((l) => l.includes('the bridge is listening'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    };
    child.stdout.on('data', check);
    void exited.then((code) => reject(new Error(`exited early (${code}): ${stderr}`)));
  });
  listening.catch(() => undefined);
  return { child, exited, listening, out: () => stdout, err: () => stderr };
}
