/**
 * Duplicate rules (Setup > Duplicate Management), the part the REST API shows: when a record
 * being inserted matches an existing one under an active rule, the insert is refused with HTTP
 * 400 `DUPLICATES_DETECTED` and a `duplicateResult` (allowSave, duplicateRule, matchResults with
 * matchRecords), as the DuplicateError / DuplicateResult / MatchResult / MatchRecord objects of the
 * SOAP API reference describe it. A rule whose action is `block` always refuses; an `alert` rule
 * lets the record be saved when the request says `Sforce-Duplicate-Rule-Header: allowSave=true`
 * (REST API Developer Guide, "Duplicate Rule Header", API 52.0 and later).
 *
 * Emulated matching is exact and case-insensitive, on the email (`Email` on Contact,
 * `PersonEmail` on a Person Account) or on first and last name together; rules run on insert
 * only (docs/emulator-salesforce.md lists what a real org does beyond this).
 */
import { ApiError } from './api-error.js';
import { recordUrl } from './util.js';
import type { ObjectDef } from './schema.js';
import type { DuplicateRule, OrgState, SfRecord } from './state.js';

export type { DuplicateRule } from './state.js';

/** Salesforce's default alert text of the standard duplicate rules. */
export const DEFAULT_DUPLICATE_MESSAGE = "You're creating a duplicate record. We recommend you use an existing record instead.";

/** Checks a list of rules as an admin request gives it; throws an Error naming the bad entry. */
export function parseDuplicateRules(input: unknown): DuplicateRule[] {
  if (!Array.isArray(input)) throw new Error('rules must be a list of {name, object, matchOn, action, message?}');
  return input.map((r: unknown, i) => {
    const o = (r ?? {}) as Record<string, unknown>;
    if (typeof o.name !== 'string' || !/^\w{1,80}$/.test(o.name)) throw new Error(`rules[${i}].name must be a developer name`);
    if (o.object !== 'Contact' && o.object !== 'Account') throw new Error(`rules[${i}].object must be Contact or Account`);
    if (o.matchOn !== 'email' && o.matchOn !== 'name') throw new Error(`rules[${i}].matchOn must be email or name`);
    if (o.action !== 'block' && o.action !== 'alert') throw new Error(`rules[${i}].action must be block or alert`);
    if (o.message !== undefined && typeof o.message !== 'string') throw new Error(`rules[${i}].message must be a string`);
    return { name: o.name, object: o.object, matchOn: o.matchOn, action: o.action, ...(o.message ? { message: o.message } : {}) };
  });
}

const same = (a: unknown, b: unknown): boolean => typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();

function matches(rule: DuplicateRule, rec: Record<string, unknown>, other: SfRecord): boolean {
  if (rule.matchOn === 'email') {
    const field = rule.object === 'Account' ? 'PersonEmail' : 'Email';
    return same(rec[field], other[field]);
  }
  return same(rec.LastName, other.LastName) && same(rec.FirstName ?? '', other.FirstName ?? '');
}

/**
 * Refuses an insert that an active rule on `def` matches (first rule first), unless the rule only
 * alerts and `allowSave` is set.
 */
export function checkDuplicateRules(
  state: OrgState,
  def: ObjectDef,
  rec: Record<string, unknown>,
  allowSave: boolean,
  version: string,
): void {
  for (const rule of state.duplicateRules) {
    if (rule.object !== def.name) continue;
    const found = state.all(def).filter((other) => other.Id !== rec.Id && matches(rule, rec, other));
    if (found.length === 0 || (rule.action === 'alert' && allowSave)) continue;
    const message = rule.message ?? DEFAULT_DUPLICATE_MESSAGE;
    throw new ApiError(400, [
      {
        duplicateResult: {
          allowSave: rule.action === 'alert',
          duplicateRule: rule.name,
          duplicateRuleEntityType: def.name,
          errorMessage: message,
          matchResults: [
            {
              entityType: def.name,
              errors: [],
              matchEngine: 'ExactMatchEngine',
              matchRecords: found.map((m) => ({
                additionalInformation: [],
                fieldDiffs: [],
                matchConfidence: 100.0,
                record: { attributes: { type: def.name, url: recordUrl(version, def.name, m.Id) }, Id: m.Id },
              })),
              rule: `${rule.name}_Matching_Rule`,
              size: found.length,
              success: true,
            },
          ],
        },
        errorCode: 'DUPLICATES_DETECTED',
        message,
      },
    ]);
  }
}

/** `Sforce-Duplicate-Rule-Header: allowSave=true; includeRecordDetails=false; ...`: the allowSave part. */
export function allowSaveFromHeader(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const m = /(?:^|;)\s*allowSave\s*=\s*(true|false)\s*(?:;|$)/i.exec(value);
  return m ? m[1]!.toLowerCase() === 'true' : false;
}
