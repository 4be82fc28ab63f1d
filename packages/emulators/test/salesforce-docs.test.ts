/**
 * Replays request/response examples from Salesforce's REST API Developer Guide (fixtures/salesforce,
 * each with its `source` page) against the emulator, in file order on one org, and checks that
 * each answer has the documented shape: same status, same keys, same JSON types (values differ:
 * Ids, counts). Fixtures marked `exact` must match the documented body exactly.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { V, raw, startSf, tokenFor } from './salesforce-helpers.js';

interface Req {
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  auth?: 'none' | 'invalid';
  repeat?: number;
}

interface Fixture {
  title: string;
  source: string;
  note?: string;
  exact?: boolean;
  setup?: Req[];
  request: Req;
  response: { status: number; body: unknown };
}

const dir = join(import.meta.dirname, 'fixtures', 'salesforce');
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => ({ file: f, ...(JSON.parse(readFileSync(join(dir, f), 'utf8')) as Fixture) }));

function kind(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** Asserts `actual` has the shape of the documented `doc` value; `at` names the place. */
function assertSameShape(doc: unknown, actual: unknown, at = '$'): void {
  assert.equal(kind(actual), kind(doc), `${at}: expected ${kind(doc)}, got ${JSON.stringify(actual)?.slice(0, 200)}`);
  if (Array.isArray(doc) && Array.isArray(actual)) {
    if (doc.length > 0) assert.ok(actual.length > 0, `${at}: documented a non-empty array, got an empty one`);
    actual.forEach((v, i) => {
      if (doc.length > 0) assertSameShape(doc[Math.min(i, doc.length - 1)], v, `${at}[${i}]`);
    });
  } else if (kind(doc) === 'object') {
    const d = doc as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    assert.deepEqual(Object.keys(a).sort(), Object.keys(d).sort(), `${at}: keys differ`);
    for (const k of Object.keys(d)) assertSameShape(d[k], a[k], `${at}.${k}`);
  }
}

describe('REST API Developer Guide examples, replayed', () => {
  it('the shape check itself notices a missing key, an extra key and a type change', () => {
    assert.throws(() => assertSameShape({ id: 'x', success: true }, { id: 'y' }), /keys differ/);
    assert.throws(() => assertSameShape({ id: 'x' }, { id: 'y', extra: 1 }), /keys differ/);
    assert.throws(() => assertSameShape([{ n: 1 }], [{ n: '1' }]), /expected number/);
    assert.throws(() => assertSameShape([{ n: 1 }], []), /non-empty/);
    assertSameShape({ a: [{ b: null }] }, { a: [{ b: null }, { b: null }] });
  });

  it('every fixture names its source page', () => {
    assert.ok(fixtures.length >= 10);
    for (const f of fixtures) assert.match(f.source, /^https:\/\/developer\.salesforce\.com\/docs\//, f.file);
  });

  it('the emulator answers each example in the documented shape', async (t) => {
    const emu = await startSf(t);
    const token = await tokenFor(emu);
    const send = (r: Req) => {
      const url = r.path.startsWith('/services/') ? `${emu.url}${r.path}` : `${emu.url}/services/data/v${V}${r.path}`;
      const auth: Record<string, string> =
        r.auth === 'none' ? {} : { authorization: `Bearer ${r.auth === 'invalid' ? 'not-a-token' : token}` };
      return raw(url, {
        method: r.method,
        headers: { ...auth, ...(r.body !== undefined ? { 'content-type': 'application/json' } : {}), ...r.headers },
        ...(r.body !== undefined ? { body: JSON.stringify(r.body) } : {}),
      });
    };
    for (const f of fixtures) {
      for (const s of f.setup ?? []) {
        for (let i = 0; i < (s.repeat ?? 1); i++) assert.ok((await send(s)).status < 300, `${f.file}: setup failed`);
      }
      const res = await send(f.request);
      assert.equal(res.status, f.response.status, `${f.file}: status; body ${JSON.stringify(res.body)?.slice(0, 300)}`);
      if (f.exact) assert.deepEqual(res.body, f.response.body, f.file);
      else assertSameShape(f.response.body, res.body, f.file);
    }
  });
});
