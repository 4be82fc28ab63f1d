/**
 * Builds a web app when its dist/ is missing or older than its sources (the app, the packages it
 * bundles). `npm test` builds first anyway; this covers `npm test -- --only-tests e2e/...`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = 0;
  for (const name of readdirSync(path)) {
    if (name === 'node_modules' || name === 'dist') continue;
    max = Math.max(max, newest(join(path, name)));
  }
  return max;
}

/** Returns the app's dist directory, built and current. */
export function ensureBuilt(appDir: string, workspace: string, inputs: string[]): string {
  const dist = join(ROOT, appDir, 'dist');
  const built = existsSync(join(dist, 'index.html')) ? statSync(join(dist, 'index.html')).mtimeMs : 0;
  const sources = Math.max(...[appDir, ...inputs].map((p) => newest(join(ROOT, p))));
  if (built > sources) return dist;
  const res = spawnSync('npm', ['run', 'build', '-w', workspace], { cwd: ROOT, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`[e2e] building ${workspace} failed:\n${res.stdout}\n${res.stderr}`);
  return dist;
}
