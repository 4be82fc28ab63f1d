/** Helpers shared by the test suites. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/** A fresh temporary directory, removed when the test ends. */
export function tempDir(t: TestContext, prefix = 'sbsf-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Polls `check` until it returns a truthy value, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 25 } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Returns true when `command` is on PATH. When it is missing, a test may skip only with a loud
 * message; under CI (CI=true) a missing component is a failure, so CI never skips silently.
 */
export function requireComponent(t: TestContext, command: string, howToEnable: string): boolean {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
  return requireAvailable(t, found, `${command} is not installed: ${howToEnable}`);
}

/**
 * The same rule for anything a test can check itself (a service that must be reachable, e.g.
 * PostgreSQL): true when `available`; otherwise a loud skip, or under CI (CI=true) a failure.
 */
export function requireAvailable(t: TestContext, available: boolean, whyNot: string): boolean {
  if (available) return true;
  if (process.env.CI === 'true') throw new Error(`[CI] ${whyNot}`);
  console.error(`\n*** SKIPPED: ${whyNot} ***\n`);
  t.skip(whyNot);
  return false;
}
