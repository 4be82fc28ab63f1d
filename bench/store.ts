/**
 * The store's share of a ticket, alone: the writes one steady-state ticket makes in SQLite (the
 * key claim that records the ticket, then one transaction with the finished ticket and its two
 * ledger entries), in a loop, with nothing else in the process. Prints the CPU per ticket with
 * and without WAL checkpoints, and how many WAL frames (pages written) a ticket costs, which is
 * what its commits cost in system calls (docs/performance.md, "Tickets"). Then the same with 4
 * tickets at a time, whose writes share each turn's commit (group commit, SQLITE_GROUP_COMMIT).
 *
 *   npm run bench -- store      (BENCH_STORE_TICKETS=2000 measured, after 3,000 to fill the tables)
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../packages/bridge/src/open-store.js';
import { newTicketId } from '../packages/bridge/src/tickets/ids.js';
import { fmt } from './lib/stats.js';

const N = Number(process.env.BENCH_STORE_TICKETS ?? 2000);
const FIELDS = {
  Subject: 'Bench ticket',
  Description: 'Created by bench/store.ts',
  SuppliedName: 'Bench',
  SuppliedEmail: 'bench@example.com',
};
const WAL_FRAME_BYTES = 4096 + 24;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-store-'));
  const file = join(dir, 'bridge.sqlite');
  const store = openSqliteStore({ file });
  let seq = 0;
  const ticket = async () => {
    const id = newTicketId();
    const customer = `bench-${seq % 50}`;
    const caseId = `500${String(1e14 + seq++).slice(0, 15)}`;
    const claim = await store.claimIdempotencyKey(customer, randomUUID(), 'h'.repeat(64), id, {
      create: { ticket: { id, clientKey: customer, customerUserId: customer, customerNickname: customer, caseFields: FIELDS } },
    });
    if (!claim.claimed) throw new Error('a fresh key was not claimed');
    const entry = { ticketId: id, caseId, target: caseId, outcome: 'ok' as const };
    await store.updateTicket(
      id,
      { state: 'completed', caseId, caseNumber: String(seq), channelUrl: caseId, lastError: null },
      [
        { ...entry, system: 'salesforce', action: 'case.upsert', detail: { caseNumber: String(seq), externalId: id } },
        { ...entry, system: 'sendbird', action: 'channel.create' },
      ],
      { settleJob: `ticket:${id}` },
    );
  };
  const cpuPerTicket = async (n: number, atOnce = 1) => {
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i += atOnce) await Promise.all(Array.from({ length: atOnce }, ticket));
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000 / n;
  };
  // A second connection for the WAL pragmas, as an operator's script would open one.
  const admin = new Database(file);
  try {
    for (let i = 0; i < 3000; i++) await ticket();
    const withCheckpoints = await cpuPerTicket(N);
    admin.pragma('wal_checkpoint(TRUNCATE)');
    // Frames per ticket: let the WAL grow (no checkpoints from the store's connection) and measure it.
    await store.unsafeRun('PRAGMA wal_autocheckpoint = 0');
    const withoutCheckpoints = await cpuPerTicket(N);
    const frames = (statSync(`${file}-wal`).size - 32) / WAL_FRAME_BYTES / N;
    admin.pragma('wal_checkpoint(TRUNCATE)');
    const grouped = await cpuPerTicket(N, 4);
    const groupedFrames = (statSync(`${file}-wal`).size - 32) / WAL_FRAME_BYTES / N;
    console.log(
      [
        `store: ${N} tickets (claim + finish, 2 commits each) after 3,000, SQLite WAL, synchronous=NORMAL`,
        `  CPU per ticket      ${fmt(withCheckpoints, 3)} ms with the default checkpoints, ${fmt(withoutCheckpoints, 3)} ms without`,
        `  WAL frames          ${fmt(frames, 1)} per ticket (pages written by its commits)`,
        `  4 tickets at a time ${fmt(grouped, 3)} ms of CPU and ${fmt(groupedFrames, 1)} WAL frames per ticket (their writes share each turn's commit; no checkpoints)`,
      ].join('\n'),
    );
  } finally {
    admin.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
