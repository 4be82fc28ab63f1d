import assert from 'node:assert/strict';
import { test } from 'node:test';
import { doubleUnitCharacters, hasLoneSurrogate, truncateText, utf16Length, wellFormed } from '../src/text.js';

const GRIN = '\u{1F600}'; // 2 UTF-16 units
const FLAG = '\u{1F1EB}\u{1F1F7}'; // 4 units, one grapheme
const FAMILY = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}'; // 8 units, one grapheme
const E_ACUTE = 'e\u0301'; // 2 units, one grapheme

/** Encodes to UTF-8 and back: equal only for well-formed text. */
const roundTrips = (s: string) => Buffer.from(s, 'utf8').toString('utf8') === s;

test('lengths are UTF-16 code units, as Salesforce and Sendbird count them', () => {
  assert.equal(utf16Length(GRIN.repeat(128)), 256, '128 emoji are 256 units');
  assert.equal(utf16Length('abc'), 3);
});

test('characters counting as 2: one per surrogate pair, none for BMP text or a lone surrogate', () => {
  assert.equal(doubleUnitCharacters(GRIN.repeat(300)), 300, '300 emoji: 300 characters that count as 2');
  assert.equal(utf16Length(GRIN.repeat(300)) - doubleUnitCharacters(GRIN.repeat(300)), 300, 'so 300 code points');
  assert.equal(doubleUnitCharacters('abc é 漢字'), 0);
  assert.equal(doubleUnitCharacters('\uD83D'), 0);
  assert.equal(doubleUnitCharacters(`a${GRIN}b${GRIN}`), 2);
});

test('short text is returned as is', () => {
  assert.equal(truncateText('hello', 5), 'hello');
  assert.equal(truncateText(GRIN, 2), GRIN);
});

test('an emoji at every cut boundary is kept whole or dropped whole, never split', () => {
  for (let prefix = 0; prefix < 4; prefix++) {
    const text = 'a'.repeat(prefix) + GRIN.repeat(5);
    for (let max = 0; max <= text.length; max++) {
      const cut = truncateText(text, max);
      assert.ok(cut.length <= max, `at most ${max} units (prefix ${prefix})`);
      assert.ok(text.startsWith(cut), 'a prefix of the text');
      assert.ok(!hasLoneSurrogate(cut), `no half emoji at max ${max} (prefix ${prefix})`);
      assert.ok(roundTrips(cut), 'valid UTF-8');
      // As much as fits: one unit more would not hold the next whole emoji.
      assert.ok(cut.length >= max - 1, `no more than one unit given up at max ${max}`);
    }
  }
});

test('grapheme clusters are kept together where they fit', () => {
  assert.equal(truncateText(`ab${FLAG}`, 5), 'ab', 'a flag is not cut to one regional indicator');
  assert.equal(truncateText(`ab${FAMILY}cd`, 9), 'ab', 'a family emoji is not cut at a joiner');
  assert.equal(truncateText(`ab${E_ACUTE}`, 3), 'ab', 'an accent stays with its letter');
  assert.equal(truncateText(`ab${FAMILY}cd`, 10), `ab${FAMILY}`);
});

test('a single cluster longer than the room is cut between code points', () => {
  const cut = truncateText(FAMILY, 5);
  assert.equal(cut, '\u{1F468}\u200D\u{1F469}', 'the man, the joiner and the woman: 5 units');
  assert.ok(!hasLoneSurrogate(cut));
  assert.ok(cut.length <= 5);
});

test('the marker counts towards the limit and is added only when text was cut', () => {
  assert.equal(truncateText('abcdef', 5, '...'), 'ab...');
  assert.equal(truncateText(`a${GRIN}${GRIN}b`, 5, '...'), 'a...', 'the emoji that would be split is dropped');
  assert.equal(truncateText('abc', 5, '...'), 'abc');
});

test('unpaired surrogates in the input become U+FFFD: the output always has a UTF-8 form', () => {
  const broken = `ok\uD83Dx\uDE00`;
  assert.ok(hasLoneSurrogate(broken));
  assert.equal(wellFormed(broken), 'ok\uFFFDx\uFFFD');
  assert.ok(roundTrips(truncateText(broken, 100)));
  assert.equal(wellFormed(`a${GRIN}`), `a${GRIN}`, 'a proper pair is untouched');
  assert.ok(!hasLoneSurrogate(GRIN.repeat(3)));
});

test('a long text is cut on the cluster boundary nearest the limit, wherever it falls', () => {
  for (const size of [131_072, 32_768]) {
    for (let lead = size - 9; lead <= size; lead++) {
      const text = `${'m'.repeat(lead)}${FAMILY}tail`;
      const cut = truncateText(text, size);
      const fits = lead + FAMILY.length <= size;
      assert.equal(
        cut,
        fits ? `${'m'.repeat(lead)}${FAMILY}${'tail'.slice(0, size - lead - FAMILY.length)}` : 'm'.repeat(lead),
        `${lead} letters before the family in ${size} units`,
      );
    }
  }
});
