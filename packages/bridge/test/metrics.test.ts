/** The metrics computed in the bridge itself: the share of each capped Sendbird endpoint's cap this instance used. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GrantListener } from '@sbsf/sendbird';
import { createMetrics } from '../src/metrics.js';

const MESSAGES = 'POST /v3/group_channels/{channel_url}/messages';
const INVITE = 'POST /v3/group_channels/{channel_url}/invite';

/** The client's pacing as the metrics see it, with its grants made by hand. */
function pacing(opts: { shared: boolean; perSecond: number }) {
  const listeners: GrantListener[] = [];
  return {
    enabled: true,
    ...opts,
    depths: () => [],
    onGranted(l: GrantListener) {
      listeners.push(l);
      return () => undefined;
    },
    grant(endpoint: string) {
      for (const l of listeners) l({ endpoint, class: 'ticket', waitMs: 0 });
    },
  };
}

async function sample(registry: { metrics(): Promise<string> }, name: string, endpoint?: string): Promise<number | undefined> {
  const prefix = endpoint === undefined ? `${name} ` : `${name}{endpoint="${endpoint}"} `;
  const line = (await registry.metrics()).split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(prefix.length));
}

test("bridge_sendbird_pacing_share: this instance's capped calls over the last 10 s against the cap; _shared says where slots are booked", async () => {
  let now = 1_000_000;
  const p = pacing({ shared: true, perSecond: 5 });
  const { registry } = createMetrics({ processMetrics: false, sendbirdPacing: p, now: () => now });
  assert.equal(await sample(registry, 'bridge_sendbird_pacing_share', MESSAGES), 0);
  for (let i = 0; i < 25; i++) {
    p.grant(MESSAGES);
    now += 200;
  }
  p.grant(INVITE);
  // 25 calls in 5 s, of the 50 a 5/s cap allows in 10 s.
  assert.equal(await sample(registry, 'bridge_sendbird_pacing_share', MESSAGES), 0.5);
  assert.equal(await sample(registry, 'bridge_sendbird_pacing_share', INVITE), 0.02);
  assert.equal(await sample(registry, 'bridge_sendbird_pacing_share', 'POST /v3/group_channels'), 0);
  assert.equal(await sample(registry, 'bridge_sendbird_pacing_shared'), 1);
  now += 10_000;
  assert.equal(await sample(registry, 'bridge_sendbird_pacing_share', MESSAGES), 0, 'idle for 10 s: none of the cap');

  const alone = createMetrics({ processMetrics: false, sendbirdPacing: pacing({ shared: false, perSecond: 5 }), now: () => now });
  assert.equal(await sample(alone.registry, 'bridge_sendbird_pacing_shared'), 0);
});
