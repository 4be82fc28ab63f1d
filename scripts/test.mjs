#!/usr/bin/env node
// `npm test`: lint, format check, type-check, the offline Salesforce checks, then every test file, in that
// order, stopping at the first failing step. Tests run on Node's own runner with tsx as the
// TypeScript loader. The last line is a plain "tests: N passed, N failed, N skipped" summary.
//
//   npm test                      everything
//   npm test -- --only-tests      skip lint and type-check
//   npm test -- packages/sendbird only test files under these paths
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const onlyTests = args.includes('--only-tests');
const filters = args.filter((a) => !a.startsWith('--')).map((a) => resolve(root, a));

function run(title, cmd, cmdArgs, opts = {}) {
  console.log(`\n== ${title}: ${[cmd, ...cmdArgs].join(' ')}`);
  const started = Date.now();
  const res = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', ...opts });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (res.status !== 0) {
    console.error(`\n== ${title} failed (exit ${res.status ?? res.signal}) after ${secs}s`);
    process.exit(res.status || 1);
  }
  console.log(`== ${title} ok (${secs}s)`);
}

function findTests(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) findTests(p, out);
    else if (/\.test\.(ts|tsx|mjs)$/.test(name)) out.push(p);
  }
  return out;
}

/** What the formatter checks: every TypeScript file git does not ignore. */
const TS_FILES = '**/*.{ts,tsx,mts,cts}';

if (!onlyTests) {
  run('lint', 'npx', ['eslint', '.', '--max-warnings=0']);
  // One formatter over every TypeScript file (.prettierrc.json; `npm run format` writes it).
  run('format', 'npx', ['prettier', '--check', '--log-level=warn', TS_FILES]);
  run('type-check', 'npx', ['tsc', '-p', 'tsconfig.json']);
  for (const tsconfig of ['packages/sandbox-chat/tsconfig.json', 'apps/customer/tsconfig.json', 'apps/agent-panel/tsconfig.json']) {
    if (existsSync(join(root, tsconfig))) run(`type-check ${tsconfig}`, 'npx', ['tsc', '-p', tsconfig]);
  }
  // The browser tests (e2e/) drive the BUILT apps; build them once here (each build is seconds).
  const apps = existsSync(join(root, 'apps')) ? readdirSync(join(root, 'apps')).filter((d) => existsSync(join(root, 'apps', d, 'package.json'))) : [];
  if (apps.length) run('build web apps', 'npm', ['run', 'build']);
  if (existsSync(join(root, 'scripts/check-salesforce.mjs'))) {
    run('salesforce checks', 'node', ['scripts/check-salesforce.mjs']);
  }
}

const roots = ['packages', 'apps', 'e2e', 'bench'].map((d) => join(root, d));
let files = roots.flatMap((d) => findTests(d)).sort();
if (filters.length) files = files.filter((f) => filters.some((flt) => f.startsWith(flt)));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}

const tapFile = join(mkdtempSync(join(tmpdir(), 'sbsf-test-')), 'results.tap');
const testArgs = [
  '--import',
  'tsx',
  '--test',
  `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 3}`,
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  '--test-reporter=tap',
  `--test-reporter-destination=${tapFile}`,
  ...files.map((f) => relative(root, f)),
];
console.log(`\n== tests (${files.length} files)`);
const started = Date.now();
const res = spawnSync(process.execPath, testArgs, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
const tap = existsSync(tapFile) ? readFileSync(tapFile, 'utf8') : '';
const count = (k) => Number(new RegExp(`^# ${k} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
console.log(`== tests finished in ${((Date.now() - started) / 1000).toFixed(1)}s`);
console.log(`tests: ${count('pass')} passed, ${count('fail')} failed, ${count('skipped')} skipped`);
process.exit(res.status === 0 && count('fail') === 0 ? 0 : 1);
