/**
 * The doctor: every check of a live configuration, in order (the store first, then Salesforce,
 * Sendbird, and what depends on both), the checklist as text or JSON, and the short form the
 * bridge runs after it starts.
 */
import { configSecrets, type BridgeConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { SecretScrubber } from '../secrets.js';
import { BRIDGE_CHECKS_AFTER, BRIDGE_CHECKS_FIRST } from './bridge-checks.js';
import { runChecks, type Check, type CheckResult } from './check.js';
import { createDoctorContext, type DoctorContext } from './context.js';
import { SALESFORCE_CHECKS } from './salesforce-checks.js';
import { SENDBIRD_CHECKS } from './sendbird-checks.js';

export type { CheckResult, CheckStatus } from './check.js';

export const DOCTOR_CHECKS: readonly Check<DoctorContext>[] = [
  ...BRIDGE_CHECKS_FIRST,
  ...SALESFORCE_CHECKS,
  ...SENDBIRD_CHECKS,
  ...BRIDGE_CHECKS_AFTER,
];

/** The cheap checks of the start-up short form: store, Salesforce login, Sendbird token. */
export const STARTUP_CHECK_IDS: readonly string[] = ['bridge.store', 'salesforce.login', 'sendbird.region', 'sendbird.token'];

export interface DoctorOptions {
  fetch?: typeof fetch;
  now?: () => number;
  timeoutMs?: number;
  /** Run only these checks (by id); what they need but was left out counts as not passed. */
  only?: readonly string[];
  onResult?: (r: CheckResult) => void;
}

export async function runDoctor(config: BridgeConfig, opts: DoctorOptions = {}): Promise<CheckResult[]> {
  const ctx = createDoctorContext(config, opts);
  const scrubber = new SecretScrubber(configSecrets(config));
  const checks = opts.only ? DOCTOR_CHECKS.filter((c) => opts.only!.includes(c.id)) : DOCTOR_CHECKS;
  return runChecks(checks, ctx, {
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    scrub: (text) => scrubber.scrub(text),
    ...(opts.onResult ? { onResult: opts.onResult } : {}),
  });
}

/** 0 when nothing failed (warnings allowed), 1 otherwise. */
export const exitCode = (results: readonly CheckResult[]): number => (results.some((r) => r.status === 'fail') ? 1 : 0);

const MARKS = { pass: '✓', fail: '✗', warn: '!', skip: '-' } as const;

/** One checklist entry: a mark, the title and detail, the fix indented under it. */
export function formatResult(r: CheckResult): string {
  const line = `${MARKS[r.status]} ${r.title}: ${r.detail}`;
  return r.fix && r.status !== 'pass' ? `${line}\n    fix: ${r.fix}` : line;
}

export function summary(results: readonly CheckResult[]): string {
  const n = (s: string) => results.filter((r) => r.status === s).length;
  const warnings = n('warn');
  return `${n('pass')} passed, ${n('fail')} failed, ${warnings} warning${warnings === 1 ? '' : 's'}, ${n('skip')} skipped`;
}

/**
 * The start-up short form: a few cheap checks after the bridge listens, one log line for each
 * that did not pass, with its fix, then one line with the counts. Never throws, never holds the
 * start-up up.
 */
export async function startupChecks(config: BridgeConfig, logger: Logger, opts: DoctorOptions = {}): Promise<CheckResult[]> {
  try {
    const results = await runDoctor(config, { ...opts, only: STARTUP_CHECK_IDS });
    for (const r of results) {
      if (r.status === 'fail') logger.error({ check: r.id, fix: r.fix }, `doctor: ${r.title}: ${r.detail}`);
      else if (r.status === 'warn') logger.warn({ check: r.id, fix: r.fix }, `doctor: ${r.title}: ${r.detail}`);
    }
    const count = (status: string) => results.filter((r) => r.status === status).length;
    logger.info(
      { passed: count('pass'), failed: count('fail'), warnings: count('warn'), skipped: count('skip') },
      'doctor: the start-up checks finished (`npm run doctor` runs them all)',
    );
    return results;
  } catch (err) {
    logger.warn({ err }, 'doctor: the start-up checks could not run');
    return [];
  }
}
