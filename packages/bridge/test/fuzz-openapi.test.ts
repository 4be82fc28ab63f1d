/**
 * Property-based fuzzing (fast-check) of every operation in the bridge's OpenAPI document, read
 * from the running bridge's /docs/json: valid-shaped bodies with hostile values, malformed ones,
 * every kind of credential (openapi-arbitraries.ts). For every request:
 * - no 5xx;
 * - every 4xx is JSON `{error:{code, message}}` (the tutorial's `{error:true, code, message}` on
 *   /createticket);
 * - a refused request (4xx) writes nothing: the emulators' state (every Salesforce record, every
 *   Sendbird user, channel, member, message and session token) is unchanged, and so are the
 *   store's tickets, idempotency keys, jobs, events and transcript rows.
 * A fixed seed and a bounded number of runs; FUZZ_SEED and FUZZ_RUNS override them (the seed is
 * printed, and a failure prints the shrunk request and the path to replay it).
 * fuzz.test.ts complements this with raw malformed HTTP and a spawned bridge's whole log.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { request, type Dispatcher } from 'undici';
import { dbQuery } from './cluster.js';
import { SECRETS } from './fixtures.js';
import { operationsOf, requestFor, type GeneratedRequest, type OpenApiDocument } from './openapi-arbitraries.js';
import { startWorld, type World } from './world.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_419);
const RUNS = Number(process.env.FUZZ_RUNS ?? 600);

/** Store tables a refused request must leave alone (the ledger may record a refusal). */
const TABLES = ['tickets', 'idempotency_keys', 'jobs', 'salesforce_events', 'transcript_messages'];

/**
 * What both upstreams hold: every Salesforce record and every Sendbird user, channel, member,
 * message and session token. A refused request may read upstream (or try a write Sendbird
 * refuses), but must leave this unchanged.
 */
function upstreamState(w: World): string {
  return JSON.stringify([w.sf.snapshot().records, w.sb.snapshot()]);
}

async function storeRows(w: World): Promise<string> {
  const db = {
    kind: 'sqlite',
    file: w.config.store.kind === 'sqlite' ? w.config.store.file : join(w.config.store.dataDir, 'bridge.sqlite'),
  } as const;
  const row = (await dbQuery(db, `SELECT ${TABLES.map((t) => `(SELECT COUNT(*) FROM ${t}) AS ${t}`).join(', ')}`))[0];
  return JSON.stringify(row);
}

/** After an accepted request, waits until its background work (jobs, webhooks) has stopped writing. */
async function settle(w: World): Promise<void> {
  let last = '';
  let stable = 0;
  for (let i = 0; i < 200 && stable < 3; i++) {
    const counts = await w.bridge.store.countJobsByState();
    const now = `${upstreamState(w)} ${counts.running} ${await storeRows(w)}`;
    stable = now === last && counts.running === 0 ? stable + 1 : 0;
    last = now;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** What is wrong with the answer, or null. */
function problemWith(req: GeneratedRequest, status: number, type: string, text: string): string | null {
  if (status >= 500) return `${status}: ${text.slice(0, 300)}`;
  if (status < 400) return null;
  if (!type.startsWith('application/json')) return `a ${status} refusal is ${type || 'untyped'}: ${text.slice(0, 200)}`;
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    return `a ${status} refusal is not JSON: ${text.slice(0, 200)}`;
  }
  const ours =
    typeof body?.error?.code === 'string' && body.error.code !== '' && typeof body.error.message === 'string' && body.error.message !== '';
  const tutorial =
    req.url.startsWith('/createticket') && body?.error === true && typeof body.code === 'number' && typeof body.message === 'string';
  return ours || tutorial ? null : `a ${status} refusal without an error code: ${text.slice(0, 200)}`;
}

test(
  `property-based fuzzing of every route in the OpenAPI document (seed ${SEED}, ${RUNS} runs): no 5xx, JSON errors with a code, nothing written for a refusal`,
  { timeout: 300_000 },
  async (t) => {
    const w = await startWorld(t, {
      RATE_LIMIT_PER_MINUTE: '1000000',
      SWEEP_INTERVAL_MS: '0',
      TICKET_SAFETY_DELAY_MS: '0',
      TRANSCRIPT_FLUSH_MS: '50',
    });
    const doc = (await (await fetch(`${w.url}/docs/json`)).json()) as OpenApiDocument;
    const ops = operationsOf(doc);
    assert.ok(ops.length >= 8, `the document lists the routes (${ops.map((o) => `${o.method} ${o.path}`).join(', ')})`);
    const creds = {
      customerJwt: w.customerToken('fuzz-customer'),
      sharedSecret: SECRETS.BRIDGE_SHARED_SECRET,
      sendbirdApiToken: w.sb.apiToken,
    };
    /** Ticket ids answered so far, so reads also reach existing tickets. */
    const knownIds: string[] = [];
    const perOperation = new Map<string, Record<number, number>>();
    const statuses = new Map<number, number>();
    t.diagnostic(`seed ${SEED}, ${RUNS} runs over ${ops.length} operations (replay: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS})`);

    const property = fc.asyncProperty(fc.oneof(...ops.map((op) => requestFor(op, doc, creds, knownIds))), async (req) => {
      const upstreamBefore = upstreamState(w);
      const rowsBefore = await storeRows(w);
      // undici's request, not fetch: a GET with a body must be sendable too.
      const res = await request(`${w.url}${req.url}`, {
        method: req.method as Dispatcher.HttpMethod,
        headers: req.headers,
        ...(req.body !== undefined ? { body: req.body } : {}),
      });
      const text = await res.body.text();
      const status = res.statusCode;
      const byStatus = perOperation.get(req.operation) ?? {};
      byStatus[status] = (byStatus[status] ?? 0) + 1;
      perOperation.set(req.operation, byStatus);
      if (process.env.FUZZ_VERBOSE) t.diagnostic(`${req.label} -> ${status} ${text.slice(0, 160)}`);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      const problem = problemWith(req, status, String(res.headers['content-type'] ?? ''), text);
      assert.equal(problem, null, `${req.label}: ${problem}`);
      if (status >= 400) {
        assert.ok(
          upstreamState(w) === upstreamBefore,
          `${req.label}: refused (${status} ${text.slice(0, 120)}) but something changed in Salesforce or Sendbird`,
        );
        assert.equal(await storeRows(w), rowsBefore, `${req.label}: refused (${status}) but written to the store`);
      } else {
        const id = /"ticket":\{"id":"([^"]+)"/.exec(text)?.[1];
        if (id && !knownIds.includes(id)) knownIds.push(id);
        await settle(w);
      }
    });
    await fc.assert(property, { seed: SEED, numRuns: RUNS, endOnFailure: false });

    t.diagnostic(`answers by status: ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`);
    t.diagnostic(`answers per operation and status: ${JSON.stringify(Object.fromEntries(perOperation))}`);
    for (const op of ops) assert.ok(perOperation.has(`${op.method} ${op.path}`), `${op.method} ${op.path} was fuzzed`);
    assert.ok(
      [...statuses.keys()].some((s) => s < 300),
      'some requests were accepted (valid-shaped bodies with valid credentials)',
    );
  },
);
