/** "The agent is looking at the panel", on Node's EventTarget standing in for window/document. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { watchAttention } from '../src/lcc/attention.js';

class FakeDocument extends EventTarget {
  visibilityState = 'visible';
  focused = false;
  hasFocus(): boolean {
    return this.focused;
  }
}

const turn = () => new Promise((r) => setTimeout(r, 0));

test('visible and focused is attention; losing either ends it', async () => {
  const doc = new FakeDocument();
  const win = new EventTarget();
  const seen: boolean[] = [];
  const stop = watchAttention(doc, win, (a) => seen.push(a));
  assert.deepEqual(seen, [false]);
  doc.focused = true;
  win.dispatchEvent(new Event('focus'));
  assert.deepEqual(seen, [false, true]);
  doc.visibilityState = 'hidden';
  doc.dispatchEvent(new Event('visibilitychange'));
  assert.deepEqual(seen, [false, true, false]);
  doc.visibilityState = 'visible';
  doc.dispatchEvent(new Event('visibilitychange'));
  // hasFocus() still true during 'blur' in some browsers: the check on the next turn catches it.
  win.dispatchEvent(new Event('blur'));
  doc.focused = false;
  await turn();
  assert.deepEqual(seen, [false, true, false, true, false]);
  stop();
  doc.focused = true;
  win.dispatchEvent(new Event('focus'));
  await turn();
  assert.equal(seen.length, 5, 'no calls after stop');
});
