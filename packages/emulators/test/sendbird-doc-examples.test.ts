/**
 * Replays the request/response examples of Sendbird's docs (fixtures/sendbird/*.json, each with its
 * `source`) against the emulator and checks the documented shape: same status, every documented
 * key present with the same JSON type (values are ours, so only `exact` fixtures compare values).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { startSendbirdEmulator, type RunningSendbirdEmulator, type WebhookConfig } from '../src/sendbird/index.js';
import { startReceiver } from './sendbird-helpers.js';

interface Call {
  method: string;
  path: string;
  body?: unknown;
}

interface Fixture {
  source: string;
  setup?: Call[];
  request: Call;
  response?: { status: number; exact?: boolean; body: unknown };
  webhook?: WebhookConfig;
  payload?: Record<string, unknown>;
}

const dir = join(import.meta.dirname, 'fixtures', 'sendbird');
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => ({ name: f, fixture: JSON.parse(readFileSync(join(dir, f), 'utf8')) as Fixture }));

let emu: RunningSendbirdEmulator;
before(async () => {
  emu = await startSendbirdEmulator({});
});
after(() => emu.close());
beforeEach(() => {
  emu.reset();
  emu.webhooks.configure({});
});

function placeholders(value: unknown): unknown {
  if (value === '$IN_ONE_HOUR') return Date.now() + 3600_000;
  if (Array.isArray(value)) return value.map(placeholders);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, placeholders(v)]));
  }
  return value;
}

async function send(c: Call): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${emu.url}${c.path}`, {
    method: c.method,
    headers: { 'Api-Token': emu.apiToken, 'Content-Type': 'application/json; charset=utf8' },
    body: c.body === undefined ? undefined : JSON.stringify(placeholders(c.body)),
  });
  return { status: res.status, body: await res.json() };
}

const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Every key of `expected` exists in `actual` with the same JSON type, recursively. */
function assertShape(expected: unknown, actual: unknown, path: string): void {
  if (expected === null) return;
  assert.equal(kind(actual), kind(expected), `${path}: expected ${kind(expected)}, got ${kind(actual)}`);
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length && actual.length) assertShape(expected[0], actual[0], `${path}[0]`);
    if (expected.length) assert.ok(actual.length > 0, `${path}: expected items`);
    return;
  }
  if (expected && typeof expected === 'object') {
    for (const [k, v] of Object.entries(expected)) {
      assert.ok(Object.hasOwn(actual as object, k), `${path}.${k} is missing`);
      assertShape(v, (actual as Record<string, unknown>)[k], `${path}.${k}`);
    }
  }
}

test('there are fixtures, each with a source URL', () => {
  assert.ok(fixtures.length >= 8);
  for (const { name, fixture } of fixtures) assert.match(fixture.source, /^https:\/\//, name);
});

for (const { name, fixture } of fixtures) {
  test(`doc example ${name}`, async () => {
    const receiver = fixture.payload ? await startReceiver() : undefined;
    try {
      if (receiver) emu.webhooks.configure({ ...fixture.webhook, url: receiver.url });
      for (const c of fixture.setup ?? []) assert.equal((await send(c)).status, 200, `setup ${c.method} ${c.path}`);
      const res = await send(fixture.request);
      if (fixture.response) {
        assert.equal(res.status, fixture.response.status);
        if (fixture.response.exact) assert.deepEqual(res.body, fixture.response.body);
        else assertShape(fixture.response.body, res.body, 'response');
      }
      if (receiver && fixture.payload) {
        await emu.webhooks.idle();
        assert.equal(receiver.received.length, 1, 'one delivery');
        assertShape(fixture.payload, receiver.received[0]?.body, 'payload');
      }
    } finally {
      await receiver?.close();
    }
  });
}
