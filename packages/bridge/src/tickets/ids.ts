/**
 * Ticket ids: UUID version 7 (RFC 9562, section 5.7): 48 bits of Unix time in milliseconds, then
 * 74 random bits. Ids made later sort later, so a new ticket's id lands at the end of every index
 * keyed by it (the tickets' primary key, the ledger's per-ticket index) instead of at a random
 * page: fewer pages written and read per ticket (docs/performance.md, "Tickets"). The random part
 * keeps ids unguessable enough, and nothing relies on that: a ticket is only shown to its own
 * customer. What the id gives away, its creation time, every answer states anyway (`createdAt`).
 */
import { randomFillSync } from 'node:crypto';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * Random bytes are drawn 4 KiB at a time (as `crypto.randomUUID` batches its own): one
 * `randomFillSync` per id cost about 4 us, nearly all of it the call itself.
 */
const POOL_BYTES = 4096;
const RANDOM_BYTES_PER_ID = 10;
const pool = Buffer.alloc(POOL_BYTES);
let poolAt = POOL_BYTES;

export function newTicketId(now: number = Date.now()): string {
  if (poolAt + RANDOM_BYTES_PER_ID > POOL_BYTES) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const b = Buffer.allocUnsafe(16);
  // 48-bit big-endian millisecond timestamp, then 80 random bits of which 74 stay.
  b.writeUIntBE(now, 0, 6);
  pool.copy(b, 6, poolAt, poolAt + RANDOM_BYTES_PER_ID);
  poolAt += RANDOM_BYTES_PER_ID; // each byte of the pool is used once
  b[6] = (b[6]! & 0x0f) | 0x70; // version 7
  b[8] = (b[8]! & 0x3f) | 0x80; // variant 10
  let s = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
    s += HEX[b[i]!];
  }
  return s;
}
