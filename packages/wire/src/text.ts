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

const SURROGATE_PAIR = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;

/**
 * How many characters of `text` lie outside the Basic Multilingual Plane (most emoji): each one
 * is 1 code point but 2 in `utf16Length`. A counter shows it so "600 / 255" for 300 emoji says why.
 */
export function doubleUnitCharacters(text: string): number {
  return text.match(SURROGATE_PAIR)?.length ?? 0;
}

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
  if (segmenter === undefined)
    segmenter =
      typeof Intl !== 'undefined' && typeof Intl.Segmenter === 'function'
        ? new Intl.Segmenter(undefined, { granularity: 'grapheme' })
        : null;
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
  return clean.slice(0, clusterBoundary(clean, room)) + (maxUnits >= marker.length ? marker : '');
}

/**
 * Units of text segmented on each side of a cut. A grapheme cluster is almost always far shorter
 * (the longest emoji sequences are about 30 units), and segmenting only near the cut keeps the
 * cost flat: Intl.Segmenter over a whole 128 KiB text takes seconds.
 */
const CLUSTER_WINDOW = 64;

/** The largest grapheme-cluster boundary <= `at`, or the code-point boundary when none is near. */
function clusterBoundary(text: string, at: number): number {
  const seg = graphemes();
  if (!seg) return codePointBoundary(text, at);
  const from = codePointBoundary(text, at - CLUSTER_WINDOW);
  let end = from;
  for (const { index, segment } of seg.segment(text.slice(from, at + CLUSTER_WINDOW))) {
    if (from + index + segment.length > at) break;
    end = from + index + segment.length;
  }
  // No boundary after the window's start (a cluster longer than the window, or no room at all):
  // cut between code points instead.
  return end > from ? end : codePointBoundary(text, at);
}
