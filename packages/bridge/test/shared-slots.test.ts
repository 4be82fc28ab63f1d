/** The Sendbird client's shared slots over the store: a store that does not answer is logged once, and so is its return. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Logger } from '../src/logger.js';
import { sharedSlots } from '../src/pacing/shared-slots.js';
import { StoreUnavailableError } from '../src/store/index.js';

test('a failed booking is thrown to the client (which paces alone) and logged once per outage', async () => {
  let down = false;
  const booked: [string, number, number][] = [];
  const store = {
    async bookSendbirdSlot(endpoint: string, notBefore: number, intervalMs: number) {
      if (down) throw new StoreUnavailableError(new Error('connection refused'));
      booked.push([endpoint, notBefore, intervalMs]);
      return notBefore + 1;
    },
    async pauseSendbirdEndpoint() {
      if (down) throw new StoreUnavailableError(new Error('connection refused'));
    },
  };
  const logged: string[] = [];
  const logger = {
    warn: (_obj: object, msg: string) => logged.push(`warn ${msg}`),
    info: (msg: string) => logged.push(`info ${msg}`),
  } as unknown as Logger;
  const slots = sharedSlots(store, logger);
  assert.equal(await slots.book('POST /v3/group_channels', 1_000, 200), 1_001);
  down = true;
  await assert.rejects(slots.book('POST /v3/group_channels', 1_200, 200), StoreUnavailableError);
  await assert.rejects(slots.pause('POST /v3/group_channels', 5_000), StoreUnavailableError);
  await assert.rejects(slots.book('POST /v3/group_channels', 1_400, 200), StoreUnavailableError);
  down = false;
  assert.equal(await slots.book('POST /v3/group_channels', 1_600, 200), 1_601);
  await slots.book('POST /v3/group_channels', 1_800, 200);
  assert.deepEqual(
    logged.map((l) => l.split(':')[0]),
    ['warn Sendbird pacing', 'info Sendbird pacing'],
  );
  assert.match(logged[0]!, /paces the capped endpoints on its own/);
  assert.equal(booked.length, 3);
});
