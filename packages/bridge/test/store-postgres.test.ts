/**
 * The PostgreSQL store: the whole store contract (test/store-contract.ts, the same suite SQLite
 * runs), then what only PostgreSQL has to prove: migrations under an advisory lock (3 instances
 * starting at once migrate once), SKIP LOCKED claims across many connections, serialised
 * reconcile queueing, the ledger's triggers, NUL in text. Each test has its own schema.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { requireAvailable } from '@sbsf/testkit';
import { openPostgresStore, type OpenedStore } from '../src/open-store.js';
import { MIGRATIONS, type Job } from '../src/store/index.js';
import { pgExec, pgTestSchema, pgUnavailable, TEST_DATABASE_URL } from './pg.js';
import { fakeClock, storeContract } from './store-contract.js';

const unavailable = await pgUnavailable();

if (unavailable) {
  test('postgres store (PostgreSQL not reachable)', (t) => {
    requireAvailable(t, false, unavailable);
  });
} else {
  storeContract('postgres', (t) => {
    const clock = fakeClock();
    // The schema name is fixed now; the first open() creates it; it is dropped after the test.
    let schema: Promise<string> | undefined;
    const name = () => (schema ??= pgTestSchema(t));
    return {
      clock,
      open: async () => openPostgresStore({ url: TEST_DATABASE_URL, schema: await name(), poolSize: 5, clock: () => clock.now }),
      exec: async (sql) => {
        await pgExec(sql, { schema: await name() });
      },
    };
  });

  const open = (schema: string, extra: Partial<Parameters<typeof openPostgresStore>[0]> = {}) =>
    openPostgresStore({ url: TEST_DATABASE_URL, schema, poolSize: 4, ...extra });

  test('postgres: a fresh schema gets every migration; the ledger refuses UPDATE, DELETE and TRUNCATE; foreign keys hold', async (t) => {
    const schema = await pgTestSchema(t);
    const store = await open(schema);
    t.after(() => store.close());
    assert.deepEqual(store.migration, { from: 0, to: MIGRATIONS.length, applied: MIGRATIONS.map((m) => m.version) });
    const tables = (
      await pgExec('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1', { params: [schema] })
    ).map((r) => r.table_name as string);
    for (const name of ['tickets', 'idempotency_keys', 'jobs', 'ledger', 'salesforce_events', 'membership_pending', 'schema_migrations'])
      assert.ok(tables.includes(name), name);
    const types = await pgExec(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'jobs' AND column_name IN ('run_at', 'payload')",
      { params: [schema] },
    );
    assert.deepEqual(
      Object.fromEntries(types.map((r) => [r.column_name, r.data_type])),
      { run_at: 'bigint', payload: 'json' },
      'epoch ms as bigint, JSON as json',
    );

    await store.appendLedger({ caseId: '500x', system: 'salesforce', action: 'case.upsert', outcome: 'ok' });
    await assert.rejects(pgExec('TRUNCATE ledger', { schema }), /append-only: rows cannot be truncated/);
    await assert.rejects(pgExec("UPDATE ledger SET outcome = 'error'", { schema }), /append-only: rows cannot be updated/);
    await assert.rejects(
      store.appendLedger({ ticketId: 'no-such-ticket', system: 'sendbird', action: 'user.create', outcome: 'ok' }),
      /foreign key/,
    );
    assert.equal((await store.ledgerForCase('500x')).length, 1);

    const again = await open(schema);
    assert.deepEqual(again.migration.applied, [], 'reopening applies nothing');
    await again.close();
  });

  test('postgres: 3 instances starting together on an empty schema migrate it exactly once', async (t) => {
    const schema = await pgTestSchema(t);
    const stores = await Promise.all([open(schema), open(schema), open(schema)]);
    t.after(async () => {
      for (const s of stores) await s.close();
    });
    const applied = stores.map((s) => s.migration.applied);
    assert.equal(applied.filter((a) => a.length > 0).length, 1, `one instance migrates: ${JSON.stringify(applied)}`);
    assert.deepEqual(
      applied.flat(),
      MIGRATIONS.map((m) => m.version),
    );
    const rows = await pgExec('SELECT version FROM schema_migrations ORDER BY version', { schema });
    assert.deepEqual(
      rows.map((r) => r.version),
      MIGRATIONS.map((m) => m.version),
    );
    for (const s of stores) assert.equal((await s.health()).ok, true);
  });

  test('postgres: an old (version 1) schema with data is upgraded in place; a newer one is refused', async (t) => {
    const schema = await pgTestSchema(t);
    const v1 = await open(schema, { migrations: MIGRATIONS.slice(0, 1) });
    await v1.createTicket({ id: 'ticket-old', clientKey: 'c', customerUserId: 'c', caseFields: { Subject: 'old' } });
    await v1.enqueue('ticket.create', { ticketId: 'ticket-old' });
    assert.equal((await v1.health()).schemaVersion, 1);
    await v1.close();

    const current = await open(schema);
    assert.deepEqual(current.migration, { from: 1, to: MIGRATIONS.length, applied: MIGRATIONS.slice(1).map((m) => m.version) });
    assert.deepEqual((await current.getTicket('ticket-old'))?.caseFields, { Subject: 'old' }, 'data survives');
    assert.deepEqual(await current.countJobsByState(), { queued: 1, running: 0, done: 0, dead: 0 });

    // Another instance rolled the schema forward under this one: readiness says so...
    await pgExec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'from the future', 0)", { schema });
    const h = await current.health();
    assert.equal(h.ok, false);
    assert.match(h.reason ?? '', new RegExp(`schema version 99, expected ${MIGRATIONS.length}`));
    await current.close();
    // ...and a new instance refuses to start on it.
    await assert.rejects(
      open(schema),
      new RegExp(`schema version 99, newer than this bridge knows \\(${MIGRATIONS.length}\\): run a newer bridge`),
    );
  });

  test('postgres: 6 instances claiming 300 jobs at once (SKIP LOCKED): each job is claimed exactly once', async (t) => {
    const schema = await pgTestSchema(t);
    const stores = await Promise.all(Array.from({ length: 6 }, () => open(schema, { poolSize: 2 })));
    t.after(async () => {
      for (const s of stores) await s.close();
    });
    const first = stores[0]!;
    for (let i = 0; i < 300; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, j) => first.enqueue('work', { n: i + j })));
    }
    const claimedBy = new Map<number, string>();
    await Promise.all(
      stores.map(async (s, w) => {
        for (;;) {
          const jobs: Job[] = await s.claimJobs(`w${w}`, 7, 60_000, ['work']);
          if (jobs.length === 0) return;
          for (const j of jobs) {
            assert.ok(!claimedBy.has(j.id), `job ${j.id} claimed by ${claimedBy.get(j.id)} and w${w}`);
            claimedBy.set(j.id, `w${w}`);
            assert.equal(await s.completeJob(j.id, `w${w}`), true);
          }
        }
      }),
    );
    assert.equal(claimedBy.size, 300);
    assert.ok(new Set(claimedBy.values()).size > 1, 'the work was shared');
    assert.deepEqual(await first.countJobsByState(), { queued: 0, running: 0, done: 300, dead: 0 });
  });

  test('postgres: instances queueing reconciles of the same Cases at once queue each Case once', async (t) => {
    const schema = await pgTestSchema(t);
    const stores = await Promise.all(Array.from({ length: 4 }, () => open(schema, { poolSize: 2 })));
    t.after(async () => {
      for (const s of stores) await s.close();
    });
    const cases = Array.from({ length: 30 }, (_, i) => `500A${String(i).padStart(3, '0')}`);
    const opts = { kind: 'membership.reconcile', batchSize: 7, source: 'event' };
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        (stores[i % 4] as OpenedStore).recordSalesforceEvents(
          cases
            .slice(i % 5, 20 + (i % 10))
            .map((caseId) => ({ type: 'case.owner_changed', caseId, occurredAt: null, payload: { caseId } })),
          opts,
        ),
      ),
    );
    const pending = await stores[0]!.listPendingReconciles();
    assert.equal(pending.length, new Set(pending.map((p) => p.caseId)).size);
    const jobIds = [...new Set(results.flatMap((r) => r.jobIds))];
    const queued = (
      await Promise.all(jobIds.map(async (id) => ((await stores[0]!.getJob(id))?.payload as { caseIds: string[] }).caseIds))
    ).flat();
    assert.equal(queued.length, new Set(queued).size, 'no Case is in two queued jobs');
    assert.deepEqual([...new Set(queued)].sort(), [...new Set(results.flatMap((_, i) => cases.slice(i % 5, 20 + (i % 10))))].sort());
    assert.equal(
      results.reduce((n, r) => n + r.queued, 0),
      new Set(queued).size,
      'queued counts add up to the Cases queued',
    );
    assert.equal(
      await stores[0]!.countSalesforceEvents(),
      results.reduce((n, r) => n + r.stored, 0),
    );
  });

  test('postgres: NUL and odd unicode in text survive (NUL as U+FFFD in plain columns, exact in JSON)', async (t) => {
    const schema = await pgTestSchema(t);
    const store = await open(schema);
    t.after(() => store.close());
    const odd = 'a\u0000b \u202Eevil\u202C \uD83D\uDE00 \u0301';
    const id = randomUUID();
    const created = await store.createTicket({
      id,
      clientKey: 'c',
      customerUserId: 'c',
      customerNickname: odd,
      caseFields: { Subject: odd },
    });
    assert.equal(created.customerNickname, odd.replace('\u0000', '\uFFFD'));
    assert.deepEqual((await store.getTicket(id))?.caseFields, { Subject: odd }, 'JSON keeps the NUL escape');
    const claim = await store.claimIdempotencyKey('s\u0000', 'k\u0000', 'h', id);
    assert.ok(claim.claimed);
    assert.ok(!(await store.claimIdempotencyKey('s\u0000', 'k\u0000', 'h', id)).claimed, 'the same odd key is the same key');
  });

  test('postgres: an unreachable server fails the open with a readable error that holds no password', async () => {
    await assert.rejects(
      openPostgresStore({ url: 'postgres://bridge:hunter2-very-secret@127.0.0.1:1/nowhere', schema: 'x', connectionTimeoutMs: 2_000 }),
      (err: Error) => {
        assert.match(err.message, /ECONNREFUSED|connect/);
        assert.ok(!err.message.includes('hunter2'));
        return true;
      },
    );
    await assert.rejects(open('Bad-Name'), /schema name must be a lower-case identifier/);
  });
}
