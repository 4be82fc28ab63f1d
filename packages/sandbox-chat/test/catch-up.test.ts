/**
 * What the pane reads again when its feed opens (catch-up.ts). The gap it closes is shown against
 * the real Sendbird emulator in feed-client.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catchUpAfter } from '../src/catch-up.js';
import type { FeedStatus } from '../src/feed-client.js';

test('every open, the first one too, reads again what the pane shows; no other status reads anything', () => {
  const shows = { list: true, openChannels: new Set(['case-1', 'case-2']) };
  assert.deepEqual(catchUpAfter('open', shows), { channels: true, channelUrls: ['case-1', 'case-2'] });
  assert.deepEqual(catchUpAfter('open', { list: false, openChannels: ['case-1'] }), { channels: false, channelUrls: ['case-1'] });
  assert.deepEqual(catchUpAfter('open', { list: true, openChannels: [] }), { channels: true, channelUrls: [] });
  assert.equal(catchUpAfter('open', { list: false, openChannels: [] }), null, 'nothing shown, nothing to read');
  for (const status of ['connecting', 'reconnecting', 'session_expired', 'failed', 'stopped'] as FeedStatus[]) {
    assert.equal(catchUpAfter(status, shows), null, status);
  }
});
