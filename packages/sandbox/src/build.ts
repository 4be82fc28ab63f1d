/** Builds a web app when its `dist/` is missing or older than its sources (first `npm start`). */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    const s = statSync(p);
    newest = Math.max(newest, s.isDirectory() ? newestMtime(p) : s.mtimeMs);
  }
  return newest;
}

/** `extraSources`: other directories the app bundles (e.g. a workspace package's src/). */
export function isStale(appDir: string, extraSources: string[] = []): boolean {
  const index = join(appDir, 'dist', 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  const sources = [...['src', 'index.html', 'package.json', 'vite.config.ts'].map((f) => join(appDir, f)), ...extraSources];
  return sources.some((p) => existsSync(p) && (statSync(p).isDirectory() ? newestMtime(p) : statSync(p).mtimeMs) > built);
}

/** Returns false (with the reason printed) when the build failed. */
export function ensureBuilt(repoRoot: string, appDir: string, log: (msg: string) => void, extraSources: string[] = []): boolean {
  if (!existsSync(join(appDir, 'package.json'))) return false;
  if (!isStale(appDir, extraSources)) return true;
  log(`building ${appDir.slice(repoRoot.length + 1)} ...`);
  const res = spawnSync('npm', ['run', 'build', '--prefix', appDir], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  if (res.status !== 0) {
    log(`building ${appDir} failed (exit ${res.status}); run "npm run build" to see why`);
    return false;
  }
  return true;
}
