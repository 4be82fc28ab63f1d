import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { tempDir } from '@sbsf/testkit';
import { openSqliteStore } from '../src/open-store.js';
import { MIGRATIONS } from '../src/store/index.js';
import { fakeClock, storeContract } from './store-contract.js';

for (const groupCommit of [true, false])
  storeContract(groupCommit ? 'sqlite' : 'sqlite (a transaction per write)', (t) => {
    const file = join(tempDir(t, 'store-'), 'bridge.sqlite');
    const clock = fakeClock();
    return {
      clock,
      open: async () => openSqliteStore({ file, clock: () => clock.now, groupCommit }),
      exec: async (sql) => {
        const db = new Database(file);
        try {
          db.exec(sql);
        } finally {
          db.close();
        }
      },
    };
  });

test('sqlite: a fresh database gets every migration, WAL and foreign keys', async (t) => {
  const file = join(tempDir(t), 'data', 'bridge.sqlite');
  const store = openSqliteStore({ file });
  t.after(() => store.close());
  assert.deepEqual(store.migration, { from: 0, to: MIGRATIONS.length, applied: MIGRATIONS.map((m) => m.version) });
  const db = new Database(file, { readonly: true });
  t.after(() => db.close());
  assert.deepEqual(
    db.prepare('SELECT version FROM schema_migrations ORDER BY version').all(),
    MIGRATIONS.map((m) => ({ version: m.version })),
  );
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map(
    (r) => r.name,
  );
  for (const name of ['tickets', 'idempotency_keys', 'jobs', 'ledger', 'schema_migrations']) assert.ok(tables.includes(name), name);
  // foreign keys are on for the store's connection: a ledger row naming an unknown ticket is refused
  await assert.rejects(
    store.appendLedger({ ticketId: 'no-such-ticket', system: 'sendbird', action: 'user.create', outcome: 'ok' }),
    /FOREIGN KEY/,
  );
  const again = openSqliteStore({ file });
  assert.deepEqual(again.migration.applied, [], 'reopening applies nothing');
  await again.close();
});

const ticketFor = (id: string) => ({ id, clientKey: 'c', customerUserId: 'c', caseFields: { Subject: id } });

test('sqlite group commit: the writes of one turn are committed together, and each settles only after that commit', async (t) => {
  const file = join(tempDir(t), 'bridge.sqlite');
  const store = openSqliteStore({ file });
  t.after(() => store.close());
  const reader = new Database(file, { readonly: true });
  t.after(() => reader.close());
  const committed = () => reader.prepare('SELECT COUNT(*) FROM tickets').pluck().get();
  let settled = 0;
  const writes = Array.from({ length: 5 }, (_, i) => store.createTicket(ticketFor(`t${i}`)).then(() => settled++));
  // Still the same turn (only microtasks ran): this connection reads its open transaction...
  assert.equal((await store.getTicket('t4'))?.id, 't4');
  // ...another connection sees nothing yet, and no write has settled.
  assert.equal(committed(), 0, 'not committed while the turn runs');
  assert.equal(settled, 0, 'no write settles before the commit');
  await writes[0];
  assert.equal(committed(), 5, 'the first to settle finds all five committed: one commit for the group');
  await Promise.all(writes);

  // Fewer pages written than a transaction per write (every commit writes the pages it changed).
  const frames = async (groupCommit: boolean) => {
    const f = join(tempDir(t), `frames-${groupCommit}.sqlite`);
    const s = openSqliteStore({ file: f, groupCommit });
    const db = new Database(f);
    db.pragma('wal_checkpoint(TRUNCATE)');
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.createTicket(ticketFor(`f${i}`))));
    const size = statSync(`${f}-wal`).size;
    db.close();
    await s.close();
    return size;
  };
  const [grouped, single] = [await frames(true), await frames(false)];
  assert.ok(grouped * 4 < single, `20 tickets in one turn: ${grouped} bytes of WAL grouped, ${single} one commit each`);
});

test('sqlite group commit: a write that fails undoes only itself; the rest of its turn is kept', async (t) => {
  const store = openSqliteStore({ file: join(tempDir(t), 'bridge.sqlite') });
  t.after(() => store.close());
  const [a, bad, c] = await Promise.allSettled([
    store.createTicket(ticketFor('a')),
    store.appendLedger({ ticketId: 'no-such-ticket', system: 'sendbird', action: 'user.create', outcome: 'ok' }),
    store.createTicket(ticketFor('c')),
  ]);
  assert.equal(a.status, 'fulfilled');
  assert.equal(c.status, 'fulfilled');
  assert.equal(bad.status, 'rejected');
  assert.match(String((bad as PromiseRejectedResult).reason), /FOREIGN KEY/);
  assert.deepEqual((await store.listTickets()).map((x) => x.id).sort(), ['a', 'c']);
  assert.deepEqual(await store.ledgerForTicket('no-such-ticket'), []);
});

test('sqlite group commit: a COMMIT that fails rejects every write of its group and keeps none of them', async (t) => {
  const store = openSqliteStore({ file: join(tempDir(t), 'bridge.sqlite') });
  t.after(() => store.close());
  const first = store.createTicket(ticketFor('kept-not'));
  // Deferred foreign keys are checked at COMMIT: this group's commit will fail.
  const pragma = store.unsafeRun('PRAGMA defer_foreign_keys = ON');
  const orphan = store.appendLedger({ ticketId: 'no-such-ticket', system: 'sendbird', action: 'user.create', outcome: 'ok' });
  const [x, y, z] = await Promise.allSettled([first, orphan, pragma]);
  assert.equal(z.status, 'rejected', 'every write of the group, the pragma too');
  assert.equal(x.status, 'rejected');
  assert.equal(y.status, 'rejected');
  assert.match(String((x as PromiseRejectedResult).reason), /FOREIGN KEY/);
  assert.equal(await store.getTicket('kept-not'), null, 'rolled back');
  // The store goes on: the next turn's writes commit.
  await store.createTicket(ticketFor('next'));
  assert.equal((await store.getTicket('next'))?.id, 'next');
});

test('sqlite group commit: two stores of one process on one file write in the same turn without waiting for each other', async (t) => {
  const file = join(tempDir(t), 'bridge.sqlite');
  const a = openSqliteStore({ file, busyTimeoutMs: 200 });
  const b = openSqliteStore({ file, busyTimeoutMs: 200 });
  t.after(async () => {
    await a.close();
    await b.close();
  });
  // b's write needs the lock a's open group holds: a's group is committed first, not waited for.
  const writes = [a.createTicket(ticketFor('a1')), b.createTicket(ticketFor('b1')), a.createTicket(ticketFor('a2'))];
  assert.deepEqual(
    (await Promise.all(writes)).map((x) => x.id),
    ['a1', 'b1', 'a2'],
  );
  assert.deepEqual((await b.listTickets()).map((x) => x.id).sort(), ['a1', 'a2', 'b1']);
});

test('sqlite: an old (version 1) database with data is upgraded in place', async (t) => {
  const file = join(tempDir(t), 'bridge.sqlite');
  const v1 = openSqliteStore({ file, migrations: MIGRATIONS.slice(0, 1) });
  const ticket = await v1.createTicket({ id: 'ticket-old', clientKey: 'c', customerUserId: 'c', caseFields: { Subject: 'old' } });
  await v1.enqueue('ticket.create', { ticketId: ticket.id });
  assert.equal((await v1.health()).schemaVersion, 1);
  await v1.close();

  const current = openSqliteStore({ file });
  t.after(() => current.close());
  const latest = MIGRATIONS.length;
  assert.deepEqual(current.migration, { from: 1, to: latest, applied: MIGRATIONS.slice(1).map((m) => m.version) });
  assert.deepEqual((await current.getTicket('ticket-old'))?.caseFields, { Subject: 'old' }, 'data survives');
  assert.deepEqual(await current.countJobsByState(), { queued: 1, running: 0, done: 0, dead: 0 });
  await current.appendLedger({ ticketId: 'ticket-old', system: 'salesforce', action: 'case.upsert', outcome: 'ok' });
  assert.equal((await current.ledgerForTicket('ticket-old')).length, 1, 'the new table works');
  assert.equal((await current.health()).ok, true);
});

test('sqlite: migration 6 rebuilds tickets, ledger and idempotency keys with every row, id and rule kept', async (t) => {
  const file = join(tempDir(t), 'bridge.sqlite');
  const v5 = openSqliteStore({ file, migrations: MIGRATIONS.slice(0, 5) });
  const fields = { Subject: 'before the rebuild' };
  for (const [i, state] of (['completed', 'received', 'completed'] as const).entries()) {
    const id = `ticket-${i}`;
    const claim = await v5.claimIdempotencyKey('customer', `key-${i}`, 'h'.repeat(64), id, {
      create: { ticket: { id, clientKey: 'customer', customerUserId: 'customer', caseFields: fields } },
    });
    assert.equal(claim.claimed, true);
    if (state === 'completed') {
      await v5.updateTicket(
        id,
        { state, caseId: `500000000000000${i}AAA`, caseNumber: `0000100${i}`, channelUrl: `500000000000000${i}AAA` },
        [
          {
            ticketId: id,
            caseId: `500000000000000${i}AAA`,
            system: 'salesforce',
            action: 'case.upsert',
            target: `500000000000000${i}AAA`,
            outcome: 'ok',
            detail: { n: i },
          },
        ],
      );
    }
  }
  await v5.completeIdempotencyKey('customer', 'key-1', 422, { error: { code: 'case_rejected', message: 'no' } });
  await v5.close();
  const dump = () => {
    const db = new Database(file, { readonly: true });
    try {
      return {
        // The columns the tickets had then (migration 13 adds customer_verified, NULL on every row kept).
        tickets: (db.prepare('SELECT * FROM tickets ORDER BY id').all() as Record<string, unknown>[]).map(
          ({ customer_verified: _added, ...row }) => row,
        ),
        // The columns the ledger had then (migration 12 adds erased_by, NULL on every row kept).
        ledger: db.prepare('SELECT id, at, case_id, ticket_id, system, action, target, outcome, detail FROM ledger ORDER BY id').all(),
        keys: db.prepare('SELECT * FROM idempotency_keys ORDER BY scope, key').all(),
      };
    } finally {
      db.close();
    }
  };
  const before = dump();
  assert.equal(before.ledger.length, 2);

  const current = openSqliteStore({ file });
  t.after(() => current.close());
  assert.deepEqual(
    current.migration.applied,
    MIGRATIONS.slice(5).map((m) => m.version),
  );
  assert.deepEqual(dump(), before, 'every row of the three tables, byte for byte');
  assert.deepEqual(await current.unsafeQuery('SELECT DISTINCT erased_by FROM ledger'), [{ erased_by: null }], 'no entry is a tombstone');
  const db = new Database(file);
  t.after(() => db.close());
  const [pragma] = await current.unsafeQuery<{ foreign_keys: number }>('PRAGMA foreign_keys');
  assert.equal(pragma?.foreign_keys, 1, "foreign keys on again for the store's connection");
  assert.equal(
    db.prepare("SELECT sql FROM sqlite_master WHERE name = 'idempotency_keys'").pluck().get()?.toString().includes('WITHOUT ROWID'),
    true,
  );

  // The rules hold on the rebuilt tables: ids go on from the last one, the ledger stays append-only,
  // references are checked, a Case belongs to one ticket, the open index serves the sweep.
  const next = await current.appendLedger({ ticketId: 'ticket-1', system: 'sendbird', action: 'user.create', outcome: 'ok' });
  assert.equal(next.id, (before.ledger.at(-1) as { id: number }).id + 1);
  assert.equal(
    db.prepare("SELECT COUNT(*) FROM sqlite_sequence WHERE name = 'ledger'").pluck().get(),
    0,
    'the ledger keeps no AUTOINCREMENT counter to write',
  );
  assert.throws(() => db.prepare('UPDATE ledger SET outcome = ? WHERE id = ?').run('error', next.id), /append-only/);
  assert.throws(() => db.prepare('DELETE FROM ledger WHERE id = ?').run(next.id), /append-only/);
  await assert.rejects(
    current.appendLedger({ ticketId: 'no-such-ticket', system: 'sendbird', action: 'user.create', outcome: 'ok' }),
    /FOREIGN KEY/,
  );
  await assert.rejects(current.updateTicket('ticket-1', { caseId: '5000000000000000AAA' }), /UNIQUE/);
  assert.deepEqual(await current.queueUnfinishedTickets(Date.now() + 1, 10, { kind: 'ticket.finish', dedupePrefix: 'ticket:', runAt: 0 }), [
    'ticket-1',
  ]);
  assert.deepEqual(
    (await current.listTickets({ state: 'completed' })).map((x) => x.id),
    ['ticket-0', 'ticket-2'],
  );
  assert.deepEqual(
    (await current.listTickets({ state: 'received' })).map((x) => x.id),
    ['ticket-1'],
  );
});

test('sqlite: migration 6 refuses a database whose ledger names a missing ticket, and changes nothing', async (t) => {
  const file = join(tempDir(t), 'bridge.sqlite');
  await openSqliteStore({ file, migrations: MIGRATIONS.slice(0, 5) }).close();
  const db = new Database(file);
  // Only a connection with foreign keys off (an old script, a hand edit) could have written this.
  db.pragma('foreign_keys = OFF');
  db.prepare("INSERT INTO ledger (at, ticket_id, system, action, outcome) VALUES (0, 'gone', 'sendbird', 'user.create', 'ok')").run();
  db.close();
  assert.throws(() => openSqliteStore({ file }), /migration 6 would break 1 foreign key reference\(s\).*nothing was changed/);
  const after = new Database(file, { readonly: true });
  t.after(() => after.close());
  assert.equal(after.prepare('SELECT MAX(version) FROM schema_migrations').pluck().get(), 5);
  assert.equal(after.prepare('SELECT COUNT(*) FROM ledger').pluck().get(), 1);
  assert.equal(
    after.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name LIKE '%_v6'").pluck().get(),
    0,
    'no half-built table left behind',
  );
});

test('sqlite: a database newer than the code is refused with an actionable message', async (t) => {
  const file = join(tempDir(t), 'bridge.sqlite');
  await openSqliteStore({ file }).close();
  const db = new Database(file);
  db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, ?, 0)').run('from the future');
  db.close();
  assert.throws(
    () => openSqliteStore({ file }),
    new RegExp(`schema version 99, newer than this bridge knows \\(${MIGRATIONS.length}\\): run a newer bridge`),
  );
});

test('sqlite: readiness reports an outdated schema', async (t) => {
  const file = join(tempDir(t), 'bridge.sqlite');
  const current = openSqliteStore({ file });
  t.after(() => current.close());
  // Another process rolled the schema forward under this one (e.g. a newer bridge started).
  const db = new Database(file);
  const latest = MIGRATIONS.length;
  db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, 0)').run(latest + 1, 'newer');
  db.close();
  const h = await current.health();
  assert.equal(h.ok, false);
  assert.match(h.reason ?? '', new RegExp(`schema version ${latest + 1}, expected ${latest}`));
});

test('sqlite: 4 processes racing 20 claims on one file: exactly one wins', async (t) => {
  const file = join(tempDir(t), 'bridge.sqlite');
  await openSqliteStore({ file }).close(); // migrate once up front
  const script = fileURLToPath(new URL('./claim-race.child.ts', import.meta.url));
  const children = Array.from({ length: 4 }, (_, i) =>
    spawn(process.execPath, ['--import', 'tsx', script, file, String(i), '5'], { stdio: ['pipe', 'pipe', 'inherit'] }),
  );
  const outputs = children.map(
    (child) =>
      new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited ${code}`))));
      }),
  );
  // Barrier: every child has its connection open before any of them claims. Without
  // busy_timeout the losers of the write lock would fail with SQLITE_BUSY instead of waiting.
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          const onData = (d: Buffer) => {
            if (d.toString().includes('ready')) {
              child.stdout.off('data', onData);
              resolve();
            }
          };
          child.stdout.on('data', onData);
        }),
    ),
  );
  for (const child of children) child.stdin.end('go\n');
  const results = (await Promise.all(outputs)).flatMap(
    (out) => JSON.parse(out.slice(out.indexOf('['))) as { claimed: boolean; ticketId: string }[],
  );
  assert.equal(results.length, 20);
  const winners = results.filter((r) => r.claimed);
  assert.equal(winners.length, 1);
  assert.ok(
    results.every((r) => r.ticketId === winners[0]?.ticketId),
    "everyone sees the winner's ticket id",
  );
});
