/**
 * Email syntax as Salesforce's Email fields accept it, checked before a Case is written, so a
 * customer's typo is answered at once instead of after a Sendbird user was made.
 *
 * Salesforce publishes no regular expression; its knowledge article "Salesforce Email Address
 * Format Technical Standards Validation" (000384328) says what it accepts, and the rule follows it
 * where it speaks and RFC 5322 / 6531 where it does not:
 * - local part: letters, digits and ``!#$%&'*+/=?^_`{|}~.-``, or a quoted string; non-Latin
 *   letters too (Email Address Internationalization); dots anywhere but first, two in a row and
 *   a trailing one included (Salesforce allows `a..a@test.jp` and `a..@test.jp`, not `.a@test.jp`);
 *   at most 64 characters;
 * - a comment in parentheses at either end of either part is ignored (`john.doe@(comment)example.com`);
 * - domain: two or more labels of letters (any script), digits and hyphens, separated by single
 *   dots, no label starting or ending with a hyphen, each at most 63 characters;
 * - exactly one `@` outside a quoted string, no whitespace or control characters.
 * Refused although an RFC allows them: domain literals (`jo@[192.0.2.1]`) and a domain without a
 * dot (`jo@localhost`); no customer mailbox looks like either. docs/decisions.md says why and what
 * to check in a real org.
 */

/** Why `address` is not an email Salesforce accepts, or null when it is one. */
export function emailProblem(address: string): string | null {
  if (address.length === 0) return 'is empty';
  if (/[\s\p{Cc}\p{Cf}]/u.test(address)) return 'contains a space or an invisible character';
  const at = splitAtSign(address);
  if (at === null) return 'needs exactly one @ between the name and the domain (like name@example.com)';
  const local = stripComments(at.local);
  const domain = stripComments(at.domain);
  if (local === '') return 'has nothing before the @';
  if (domain === '') return 'has no domain after the @';
  const localProblem = checkLocal(local);
  if (localProblem) return localProblem;
  return checkDomain(domain);
}

/** Splits on the one `@` outside a quoted local part; null when there is not exactly one. */
function splitAtSign(address: string): { local: string; domain: string } | null {
  let inQuotes = false;
  let split = -1;
  for (let i = 0; i < address.length; i++) {
    const c = address[i];
    if (inQuotes && c === '\\') {
      i++;
      continue;
    }
    if (c === '"') inQuotes = !inQuotes;
    else if (c === '@' && !inQuotes) {
      if (split >= 0) return null;
      split = i;
    }
  }
  if (split < 0 || inQuotes) return null;
  return { local: address.slice(0, split), domain: address.slice(split + 1) };
}

/** A comment `(...)` at the start or the end of a part is ignored, as Salesforce does. */
function stripComments(part: string): string {
  return part.replace(/^\([^()\\]*\)/, '').replace(/\([^()\\]*\)$/, '');
}

const ATEXT = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-.\p{L}\p{M}\p{N}]+$/u;
const QUOTED = /^"(?:[^"\\]|\\.)*"$/u;

function checkLocal(local: string): string | null {
  if (local.length > 64) return 'has more than 64 characters before the @';
  if (local.startsWith('"')) return QUOTED.test(local) ? null : 'has a quoted name that is not closed properly';
  if (local.startsWith('.')) return 'must not start with a dot';
  if (!ATEXT.test(local)) return "has a character that is not allowed before the @ (allowed: letters, digits and !#$%&'*+/=?^_`{|}~.-)";
  return null;
}

const LABEL = /^[A-Za-z0-9\p{L}\p{M}\p{N}](?:[A-Za-z0-9\-\p{L}\p{M}\p{N}]*[A-Za-z0-9\p{L}\p{M}\p{N}])?$/u;

function checkDomain(domain: string): string | null {
  if (domain.startsWith('[')) return 'has an address in brackets as its domain; use a domain name';
  if (domain.length > 255) return 'has a domain longer than 255 characters';
  const labels = domain.split('.');
  if (labels.length < 2) return 'needs a domain with a dot (like example.com)';
  for (const label of labels) {
    if (label === '') return 'has an empty part in the domain (two dots in a row, or a dot at the start or end)';
    if (label.length > 63) return 'has a domain part longer than 63 characters';
    if (!LABEL.test(label)) return 'has a domain part with a character that is not allowed (letters, digits, and hyphens inside)';
  }
  return null;
}
