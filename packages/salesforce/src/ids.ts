/**
 * Salesforce record Id helpers.
 *
 * An Id is 15 case-sensitive base62 characters, or 18: the 15 plus a 3-character checksum that
 * makes it safe in case-insensitive places (URLs, spreadsheets, Sendbird channel URLs). The API
 * accepts both and always returns 18. The checksum: for each 5-character chunk, a bitmask of which
 * characters are uppercase letters, used as an index into `A..Z0..5`. Verified against the Id
 * pairs printed in Salesforce's docs (see docs/emulator-salesforce.md).
 */

const CHECKSUM_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const ID15 = /^[a-zA-Z0-9]{15}$/;
const ID18 = /^[a-zA-Z0-9]{15}[A-Z0-5]{3}$/;

/** Key prefixes (the first three characters of an Id) of the objects this project touches. */
export const KEY_PREFIX = {
  Case: '500',
  User: '005',
  Group: '00G',
  CaseComment: '00a',
  Contact: '003',
  Account: '001',
  Org: '00D',
} as const;

function checksum(id15: string): string {
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    out += CHECKSUM_ALPHABET.charAt(bits);
  }
  return out;
}

/** True for a 15-character Id, or an 18-character Id whose checksum matches. */
export function isSalesforceId(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  if (ID15.test(s)) return true;
  return ID18.test(s) && checksum(s.slice(0, 15)) === s.slice(15);
}

/**
 * Why `id` is not a valid Id (of the object with key prefix `prefix`, when given), in words an
 * API answer can carry; null when it is one. An 18-character Id whose last 3 characters do not
 * match the letter case of its first 15 is refused, not repaired: Salesforce does not repair it
 * either (a query or DML with such an Id fails), so a repaired Id could name another record.
 */
export function idProblem(id: string, prefix?: string): string | null {
  if (!/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(id)) {
    // The first 40 code points (at most 80 units), never half of one: quoted in the message.
    const head = Array.from(id.slice(0, 81)).slice(0, 40).join('');
    const shown = head.length < id.length ? `${head}...` : id;
    return `${JSON.stringify(shown)} is not 15 or 18 letters and digits`;
  }
  if (!isSalesforceId(id))
    return 'its last 3 characters do not match the letter case of the first 15 (a wrong checksum, or the letter case was changed; send the Id as Salesforce gave it)';
  if (prefix && !id.startsWith(prefix)) return `it starts with ${id.slice(0, 3)}, not ${prefix}`;
  return null;
}

/** The 18-character form of an Id. Throws a TypeError for anything that is not a valid Id. */
export function to18(id: string): string {
  if (!isSalesforceId(id)) {
    throw new TypeError(`[salesforce] not a valid 15- or 18-character Salesforce Id: ${JSON.stringify(id)}`);
  }
  return id.length === 18 ? id : id + checksum(id);
}

/** The 3-character key prefix that names the object type (500 = Case, 005 = User...). */
export function keyPrefix(id: string): string {
  return to18(id).slice(0, 3);
}

/** True when `id` is a valid User Id (prefix 005). */
export function isUserId(id: unknown): id is string {
  return isSalesforceId(id) && id.startsWith(KEY_PREFIX.User);
}

/** True when `id` is a Group Id (prefix 00G): a Case owned by a queue has such an OwnerId. */
export function isQueueId(id: unknown): id is string {
  return isSalesforceId(id) && id.startsWith(KEY_PREFIX.Group);
}

/** Compares two Ids in any of their forms (15 or 18 characters). False if either is invalid. */
export function sameId(a: unknown, b: unknown): boolean {
  return isSalesforceId(a) && isSalesforceId(b) && to18(a) === to18(b);
}
