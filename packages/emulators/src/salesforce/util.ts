/** Id minting and the date-time format of the API. */
import { to18 } from '@sbsf/salesforce';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function base62(n: number): string {
  let s = '';
  do {
    s = BASE62.charAt(n % 62) + s;
    n = Math.floor(n / 62);
  } while (n > 0);
  return s;
}

/**
 * An 18-character Id: key prefix, a 2-character "pod" (EM, for emulator), a reserved 0, then a
 * 9-character base62 counter, then the checksum. Same counter, same Id, so seeds are deterministic.
 */
export function mintId(prefix: string, n: number): string {
  return to18(`${prefix}EM0${base62(n).padStart(9, '0')}`);
}

/** Salesforce's JSON date-time: 2024-05-01T10:00:00.000+0000 (always UTC). */
export function formatDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

const DATETIME_RE = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Parses the ISO 8601 forms the API accepts; NaN when the text is not one. */
export function parseDateTime(text: string): number {
  const m = DATETIME_RE.exec(text);
  if (!m) return Number.NaN;
  const [, date, time = '00:00:00', zone = 'Z'] = m;
  const z = zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  return Date.parse(`${date}T${time.length === 5 ? `${time}:00` : time}${z}`);
}

/** A record's REST URL, as `attributes.url` and the `Location` of a create give it. */
export const recordUrl = (version: string, type: string, id: string): string => `/services/data/v${version}/sobjects/${type}/${id}`;
