#!/usr/bin/env node
// `npm run bench [-- name ...]`: runs every bench/*.ts (or the named ones, e.g. `tickets`) with
// tsx, one after another, so they do not compete for the machine's two cores. Each benchmark
// prints its own figures; docs/performance.md records them with the command.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const names = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const all = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.startsWith('_'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();
const chosen = names.length ? names : all;
for (const n of chosen) {
  if (!all.includes(n)) {
    console.error(`no benchmark bench/${n}.ts (have: ${all.join(', ')})`);
    process.exit(1);
  }
}
for (const n of chosen) {
  console.log(`\n== bench/${n}.ts`);
  const res = spawnSync(process.execPath, ['--import', 'tsx', join('bench', `${n}.ts`)], { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) process.exit(res.status ?? 1);
}
