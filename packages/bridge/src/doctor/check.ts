/**
 * What a doctor check is and how the checks run: one after another, each with a time limit, each
 * skipped when a check it needs did not pass (no Salesforce describe without a login). A check
 * answers pass, fail, warn (works, but look at it) or skip (not applicable, or cannot be checked
 * here), with a detail line and, unless it passed, the exact fix.
 */

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

export interface CheckResult {
  /** Stable id, e.g. `salesforce.login` (scripts key on it). */
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

export type CheckOutcome = Omit<CheckResult, 'id' | 'title'>;

export interface Check<C> {
  id: string;
  title: string;
  /** Ids of checks that must pass (or warn) first; otherwise this one is skipped. */
  needs?: readonly string[];
  run(ctx: C): Promise<CheckOutcome>;
}

export const pass = (detail: string): CheckOutcome => ({ status: 'pass', detail });
export const fail = (detail: string, fix: string): CheckOutcome => ({ status: 'fail', detail, fix });
export const warn = (detail: string, fix: string): CheckOutcome => ({ status: 'warn', detail, fix });
export const skip = (detail: string): CheckOutcome => ({ status: 'skip', detail });

export const DEFAULT_CHECK_TIMEOUT_MS = 15_000;

/**
 * Runs the checks in order. A check that throws fails with the error's message (the checks build
 * their messages without secrets; `scrub` is the last guard); one that takes longer than
 * `timeoutMs` fails as unanswered and the next one starts.
 */
export async function runChecks<C>(
  checks: readonly Check<C>[],
  ctx: C,
  opts: { timeoutMs?: number; scrub?: (text: string) => string; onResult?: (r: CheckResult) => void } = {},
): Promise<CheckResult[]> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const scrub = opts.scrub ?? ((s: string) => s);
  const results: CheckResult[] = [];
  const byId = new Map<string, CheckResult>();
  for (const check of checks) {
    const blocked = (check.needs ?? []).map((id) => byId.get(id)).find((r) => r && r.status !== 'pass' && r.status !== 'warn');
    let outcome: CheckOutcome;
    if (blocked) {
      outcome = skip(`not checked: "${blocked.title}" did not pass`);
    } else {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<CheckOutcome>((resolve) => {
        timer = setTimeout(
          () =>
            resolve(
              fail(
                `no answer within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}`,
                'check that this machine reaches the service (proxy, firewall, DNS)',
              ),
            ),
          timeoutMs,
        );
      });
      try {
        outcome = await Promise.race([check.run(ctx), late]);
      } catch (err) {
        outcome = fail(`unexpected error: ${err instanceof Error ? err.message : String(err)}`, 'see the detail');
      } finally {
        clearTimeout(timer);
      }
    }
    const result: CheckResult = {
      id: check.id,
      title: check.title,
      status: outcome.status,
      detail: scrub(outcome.detail),
      ...(outcome.fix !== undefined ? { fix: scrub(outcome.fix) } : {}),
    };
    results.push(result);
    byId.set(check.id, result);
    opts.onResult?.(result);
  }
  return results;
}
