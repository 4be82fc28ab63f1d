/**
 * The event bus behind Pub/Sub API: every published event, in order, with its position (the
 * replay id: `replayIdOf(position)`, 8 big-endian bytes), kept for the retention window of the
 * emulator clock (72 hours, as Salesforce keeps change events). Positions are shared by every
 * topic and never reused. Subscribers read "after position p" and are told when more arrives.
 *
 * Positions start at the bus's start time in microseconds, not at 0: a bridge that kept a replay
 * id across an emulator restart (the sandbox keeps the bridge's database, not the bus) gets the
 * error for an unknown replay id, as from a real org, never another event's position.
 *
 * Expiry: events older than the retention window are dropped whenever the log is read or
 * written; `purge` drops events published before a given time (or all of them) at once, so a
 * test can make a stored replay id expire. `purgedThrough` is the position of the last dropped
 * event: a replay id at or below it is no longer in the bus.
 */
import { randomUUID } from 'node:crypto';

/** Change events stay in the bus for 72 hours (Change Data Capture Developer Guide, "Change Event Storage and Delivery"). */
export const CDC_RETENTION_MS = 72 * 60 * 60 * 1000;

export interface StoredEvent {
  position: bigint;
  /** ProducerEvent.id: a uuid. */
  id: string;
  topic: string;
  schemaId: string;
  payload: Buffer;
  /** Emulator clock, ms. */
  publishedAt: number;
}

export class EventLog {
  private events: StoredEvent[] = [];
  /** Where this bus's positions start: its start time in µs, so a restarted emulator never hands out a replay id an earlier one did. */
  private readonly start: bigint;
  private last: bigint;
  private purged: bigint;
  private readonly listeners = new Set<() => void>();
  private readonly publishedPerTopic = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    private readonly retentionMs: number = CDC_RETENTION_MS,
  ) {
    this.start = BigInt(Math.floor(now())) * 1000n;
    this.last = this.start;
    this.purged = this.start;
  }

  /** Appends events (in order) and wakes the subscribers. */
  append(events: readonly { topic: string; schemaId: string; payload: Buffer }[]): StoredEvent[] {
    if (events.length === 0) return [];
    this.expire();
    const at = this.now();
    const stored = events.map((e) => {
      const s: StoredEvent = {
        position: ++this.last,
        id: randomUUID(),
        topic: e.topic,
        schemaId: e.schemaId,
        payload: e.payload,
        publishedAt: at,
      };
      this.publishedPerTopic.set(e.topic, (this.publishedPerTopic.get(e.topic) ?? 0) + 1);
      return s;
    });
    this.events.push(...stored);
    for (const l of [...this.listeners]) l();
    return stored;
  }

  /** The position of the newest event ever published (the bus's start before the first). */
  latest(): bigint {
    return this.last;
  }

  /** The position of the last event dropped (the bus's start when none was): replay ids at or below it are gone. */
  purgedThrough(): bigint {
    this.expire();
    return this.purged;
  }

  /** Up to `max` events of `topic` after `position`, oldest first. */
  after(topic: string, position: bigint, max: number): StoredEvent[] {
    this.expire();
    const out: StoredEvent[] = [];
    for (let i = this.firstAfter(position); i < this.events.length && out.length < max; i++) {
      const e = this.events[i]!;
      if (e.topic === topic) out.push(e);
    }
    return out;
  }

  /** Whether a replay id names a position still in the bus (or the start of an untouched bus). */
  isValidPosition(position: bigint): boolean {
    this.expire();
    if (position > this.last) return false;
    return position > this.purged || (position === this.start && this.purged === this.start);
  }

  /** Drops events published before `before` (emulator clock, ms), or every event when it is undefined. */
  purge(before?: number): number {
    const keep = before === undefined ? this.events.length : this.events.findIndex((e) => e.publishedAt >= before);
    const n = keep < 0 ? this.events.length : keep;
    if (n === 0) return 0;
    this.purged = this.events[n - 1]!.position;
    this.events = this.events.slice(n);
    if (before === undefined) this.purged = this.last;
    return n;
  }

  /** Every stored event (oldest first). */
  all(): StoredEvent[] {
    this.expire();
    return [...this.events];
  }

  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Events published per topic since the start (purges do not lower them). */
  published(): Record<string, number> {
    return Object.fromEntries(this.publishedPerTopic);
  }

  resetStats(): void {
    this.publishedPerTopic.clear();
  }

  private expire(): void {
    if (this.events.length && this.events[0]!.publishedAt < this.now() - this.retentionMs) this.purge(this.now() - this.retentionMs);
  }

  /** Index of the first event whose position is after `position` (positions are increasing). */
  private firstAfter(position: bigint): number {
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.events[mid]!.position <= position) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
