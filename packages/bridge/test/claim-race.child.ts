/**
 * Child process for store.test.ts: opens its own connection to the database file, says "ready",
 * waits for "go" on stdin, then makes N concurrent claims of the same idempotency key and prints
 * the results as JSON.
 */
import { openSqliteStore } from '../src/open-store.js';

const [file, worker, count] = process.argv.slice(2);
const store = openSqliteStore({ file: file as string });
process.stdout.write('ready\n');
process.stdin.once('data', () => {
  void (async () => {
    const results = await Promise.all(
      Array.from({ length: Number(count) }, async (_, i) => {
        const r = await store.claimIdempotencyKey('tickets:race', 'same-key', 'hash', `ticket-${worker}-${i}`);
        return { claimed: r.claimed, ticketId: r.claimed ? r.record.ticketId : r.existing.ticketId };
      }),
    );
    await store.close();
    process.stdout.write(JSON.stringify(results));
  })();
});
