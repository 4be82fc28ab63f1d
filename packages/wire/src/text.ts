/**
 * Text measured and cut the way the systems on both sides count it.
 *
 * Salesforce (Java) and Sendbird count a string's length in UTF-16 code units, as JavaScript's
 * `length` does: an emoji outside the Basic Multilingual Plane is 2 units, so 128 of them are 256
 * units, over a 255-unit field. Cutting such text at a unit count can split a surrogate pair and
 * leave half a character, which is not valid UTF-16 and cannot be written as UTF-8 (SQLite and
 * PostgreSQL store a replacement character or refuse it). `truncateText` never does that: it cuts
 * between user-perceived characters (grapheme clusters, so a flag or a family emoji is not cut in
 * two), or between code points when one cluster alone is longer than the room left.
 *
 * Browser-safe (no Node API), so the apps can measure what they send the same way.
 */

/** Length as Salesforce and Sendbird count it: UTF-16 code units. */
export const utf16Length = (text: string): number => text.length;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** True when `text` holds a surrogate without its pair (it has no UTF-8 form). */
export function hasLoneSurrogate(text: string): boolean {
  LONE_SURROGATE.lastIndex = 0;
  const found = LONE_SURROGATE.test(text);
  LONE_SURROGATE.lastIndex = 0;
  return found;
}

/** `text` with every unpaired surrogate replaced by U+FFFD, so it always has a UTF-8 form. */
export function wellFormed(text: string): string {
  return hasLoneSurrogate(text) ? text.replace(LONE_SURROGATE, '\uFFFD') : text;
}

let segmenter: Intl.Segmenter | null | undefined;
function graphemes(): Intl.Segmenter | null {
  if (segmenter === undefined) segmenter = typeof Intl !== 'undefined' && typeof Intl.Segmenter === 'function' ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null;
  return segmenter;
}

/** The largest index <= `at` that does not fall inside a surrogate pair. */
function codePointBoundary(text: string, at: number): number {
  if (at <= 0) return 0;
  if (at >= text.length) return text.length;
  const before = text.charCodeAt(at - 1);
  const after = text.charCodeAt(at);
  const splitsPair = before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff;
  return splitsPair ? at - 1 : at;
}

/**
 * `text` cut to at most `maxUnits` UTF-16 code units, on a character boundary, with `marker`
 * (e.g. `...`) appended when something was cut (the marker counts towards `maxUnits`). The result
 * is always well-formed (unpaired surrogates in the input become U+FFFD).
 */
export function truncateText(text: string, maxUnits: number, marker = ''): string {
  const clean = wellFormed(text);
  if (clean.length <= maxUnits) return clean;
  const room = Math.max(0, maxUnits - marker.length);
  let end = 0;
  const seg = graphemes();
  if (seg) {
    for (const { index, segment } of seg.segment(clean)) {
      if (index + segment.length > room) break;
      end = index + segment.length;
    }
  }
  // No segmenter, or a single cluster longer than the room: cut between code points instead.
  if (end === 0) end = codePointBoundary(clean, room);
  return clean.slice(0, end) + (maxUnits >= marker.length ? marker : '');
}
