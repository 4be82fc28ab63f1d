/**
 * Prioritised pacing of the endpoints Sendbird caps at about 5 requests per second (limiter.ts,
 * `CAPPED_ROUTES`). One scheduler per capped endpoint, since the cap is per endpoint: paced like
 * GCRA (one call every 1000/perSecond ms, no burst: at most perSecond in any one-second window), but a call
 * that has to wait does not book its slot in arrival order: each slot, when it comes, goes to the
 * highest class waiting (priority.ts), and within a class the keys (Cases) take turns. So a
 * customer waiting for a new ticket's channel is served next, even behind a sweep of 500 Cases.
 *
 * A 429 pauses the endpoint until Sendbird's `X-RateLimit-RetryAfter` (`pauseUntil`); from then on
 * calls go one slot at a time, never in a burst (the bucket is emptied, not refilled).
 *
 * Shared (`SharedSlots`, when several processes call one Sendbird application): the slots are
 * booked where every process sees them, one at a time, and the pacing above runs on them: the
 * scheduler books the endpoint's next slot while a call waits, sleeps until it, and then gives it
 * to the highest class waiting here. So the processes together stay at the cap, a busy one takes
 * every slot the idle ones do not book, and a 429 pauses them all. A booking that fails falls back
 * to this process's own pacing for a few seconds (SHARED_RETRY_MS).
 * The clock and the sleep are injected, so tests drive time by hand.
 */
import { CAPPED_ROUTES, DEFAULT_CAPPED_PER_SECOND, type LimiterOptions, type SharedSlots } from './limiter.js';
import { PRIORITY_CLASSES, type PriorityClass } from './priority.js';

/**
 * After a shared booking fails, this process paces itself alone for this long before it tries
 * the shared slots again: a store that does not answer may take seconds to say so, which every
 * call would otherwise wait.
 */
export const SHARED_RETRY_MS = 5_000;

/**
 * Shared slots are `(1000 + SHARED_JITTER_MS) / perSecond` ms apart, not `1000 / perSecond`: the
 * calls of several processes reach Sendbird a few milliseconds off their slots, each process's
 * by its own event loop and connections, and with slots exactly one interval apart a call late by
 * 1 ms puts the cap plus one in the second that ends five slots later (a 429). 25 ms covers what
 * three instances on one busy machine showed (about 10 ms either way) for 2.5% of the cap.
 */
export const SHARED_JITTER_MS = 25;

/** How many recent shared bookings the lead time is taken from (the slowest of them). */
const LEAD_SAMPLES = 8;

export interface SchedulerClock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

/** A call that got its slot: which endpoint, which class, and how long it waited (ms). */
export interface Granted {
  endpoint: string;
  class: PriorityClass;
  waitMs: number;
}

export type GrantListener = (granted: Granted) => void;

export interface QueueDepth {
  endpoint: string;
  class: PriorityClass;
  depth: number;
}

interface Waiter {
  cls: PriorityClass;
  enqueuedAt: number;
  resolve: (waitMs: number) => void;
}

/** The waiters of one class: each key's in arrival order, the keys in turns (round robin). */
class TakeTurns {
  /** Insertion order is the rotation: the key first in the map is served next. */
  private readonly byKey = new Map<string, Waiter[]>();
  size = 0;

  push(key: string, w: Waiter): void {
    const list = this.byKey.get(key);
    if (list) list.push(w);
    else this.byKey.set(key, [w]);
    this.size += 1;
  }

  shift(): Waiter | undefined {
    const first = this.byKey.entries().next();
    if (first.done) return undefined;
    const [key, list] = first.value;
    const w = list.shift() as Waiter;
    // The key goes to the back of the rotation (or out of it when it has nothing left).
    this.byKey.delete(key);
    if (list.length > 0) this.byKey.set(key, list);
    this.size -= 1;
    return w;
  }
}

/** The scheduler of one capped endpoint. */
export class CappedScheduler {
  private readonly intervalMs: number;
  /** Shared pacing: the slots' spacing in the store, whole ms (SHARED_JITTER_MS). */
  private readonly sharedIntervalMs: number;
  private readonly toleranceMs: number;
  /** GCRA's theoretical arrival time: a slot is free at `t` when `t >= tat - toleranceMs`. */
  private tat = 0;
  private readonly queues = new Map<PriorityClass, TakeTurns>(
    PRIORITY_CLASSES.map((c): [PriorityClass, TakeTurns] => [c, new TakeTurns()]),
  );
  private waiting = 0;
  private pumping = false;
  /** The latest 429 pause seen here (shared pacing: a booked slot before it is not used). */
  private pausedUntil = 0;
  /** Shared pacing: the pauses being written to the shared slots, awaited before the next booking. */
  private pausing: Promise<void> = Promise.resolve();
  /** Shared pacing: after a failed booking, no other is tried before this time (SHARED_RETRY_MS). */
  private sharedAgainAt = 0;
  /** Shared pacing: how long the last bookings took (ms), the slowest of which is booked ahead. */
  private readonly bookingMs: number[] = [];

  constructor(
    readonly endpoint: string,
    perSecond: number,
    private readonly clock: SchedulerClock,
    private readonly onGranted: GrantListener = () => undefined,
    private readonly shared?: SharedSlots,
  ) {
    this.intervalMs = 1000 / perSecond;
    this.sharedIntervalMs = Math.ceil((1000 + SHARED_JITTER_MS) / perSecond);
    // No burst: Sendbird counts a sliding one-second window, and a bucket that lets perSecond go at
    // once and then one every interval puts perSecond + 1 calls inside one second (a 429 each
    // time an endpoint goes from idle to busy). One every interval never does; an idle endpoint
    // still answers its first call at once.
    this.toleranceMs = 0;
  }

  /** Resolves when the call may go, with how long it waited (ms). */
  acquire(cls: PriorityClass, key: string): Promise<number> {
    const now = this.clock.now();
    // Shared, even a free slot is booked first (asynchronously, in the pump).
    if (!this.shared && this.waiting === 0 && now >= this.tat - this.toleranceMs) {
      this.book(now);
      this.onGranted({ endpoint: this.endpoint, class: cls, waitMs: 0 });
      return Promise.resolve(0);
    }
    return new Promise<number>((resolve) => {
      this.queues.get(cls)?.push(key, { cls, enqueuedAt: now, resolve });
      this.waiting += 1;
      void this.pump();
    });
  }

  /**
   * Sendbird answered 429: no call before `untilMs`, then one per slot. Emptying the bucket at
   * `untilMs` (rather than only delaying it) is what keeps the retries from going in a burst.
   */
  pauseUntil(untilMs: number): void {
    this.tat = Math.max(this.tat, untilMs + this.toleranceMs);
    this.pausedUntil = Math.max(this.pausedUntil, untilMs);
    const shared = this.shared;
    if (shared) {
      // The other processes learn it at their next booking; this one books after it is written.
      this.pausing = this.pausing.then(() => shared.pause(this.endpoint, untilMs)).catch(() => undefined);
    }
  }

  /** Calls waiting, by class. */
  depth(): Record<PriorityClass, number> {
    return Object.fromEntries(PRIORITY_CLASSES.map((c) => [c, this.queues.get(c)?.size ?? 0])) as Record<PriorityClass, number>;
  }

  /** Hands out the slots while calls wait: one loop per endpoint, sleeping until each next slot. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.waiting > 0) {
        const next = this.shared ? await this.bookShared(this.shared) : this.tat - this.toleranceMs;
        const waitMs = Math.ceil(next - this.clock.now());
        if (waitMs > 0) {
          await this.clock.sleep(waitMs).catch(() => undefined);
          // A 429 moved the next slot while this slept: wait for that one instead.
          if ((this.shared ? this.pausedUntil : this.tat - this.toleranceMs) > next) continue;
        }
        this.grantNext();
      }
    } finally {
      this.pumping = false;
    }
  }

  /**
   * Books the next shared slot, not before a 429 pause seen here. If the booking fails (the store
   * does not answer), the next slot of this process's own pacing instead, for SHARED_RETRY_MS.
   *
   * A slot free now is booked one booking's time ahead (the slowest of the last few, at most one
   * interval): booked at `now`, the call would go when the answer comes, that much later than its
   * slot, and the next call, on time for its own slot, would follow it by less than an interval.
   */
  private async bookShared(shared: SharedSlots): Promise<number> {
    await this.pausing;
    const now = this.clock.now();
    const lead = Math.min(Math.max(0, ...this.bookingMs), this.intervalMs);
    const notBefore = Math.max(now + lead, this.pausedUntil);
    const alone = Math.max(this.tat - this.toleranceMs, Math.max(now, this.pausedUntil));
    if (now < this.sharedAgainAt) return alone;
    try {
      const slot = await shared.book(this.endpoint, notBefore, this.sharedIntervalMs);
      this.bookingMs.push(this.clock.now() - now);
      if (this.bookingMs.length > LEAD_SAMPLES) this.bookingMs.shift();
      return slot;
    } catch {
      this.sharedAgainAt = this.clock.now() + SHARED_RETRY_MS;
      return alone;
    }
  }

  /** The slot goes to the highest class waiting, and within it to the key whose turn it is. */
  private grantNext(): void {
    for (const cls of PRIORITY_CLASSES) {
      const w = this.queues.get(cls)?.shift();
      if (!w) continue;
      this.waiting -= 1;
      const now = this.clock.now();
      this.book(now);
      const waitMs = Math.max(0, now - w.enqueuedAt);
      this.onGranted({ endpoint: this.endpoint, class: w.cls, waitMs });
      w.resolve(waitMs);
      return;
    }
  }

  private book(now: number): void {
    this.tat = Math.max(this.tat, now) + this.intervalMs;
  }
}

/** One scheduler per capped endpoint (made on first use); other endpoints pass straight through. */
export class EndpointScheduler {
  readonly enabled: boolean;
  readonly perSecond: number;
  /** Whether the slots are booked with other processes (`LimiterOptions.shared`). */
  readonly shared: boolean;
  private readonly sharedSlots: SharedSlots | undefined;
  private readonly schedulers = new Map<string, CappedScheduler>();
  private readonly listeners = new Set<GrantListener>();

  constructor(
    opts: LimiterOptions,
    private readonly clock: SchedulerClock,
  ) {
    this.enabled = opts.enabled ?? true;
    this.perSecond = opts.perSecond ?? DEFAULT_CAPPED_PER_SECOND;
    this.sharedSlots = opts.shared;
    this.shared = this.enabled && opts.shared !== undefined;
  }

  /** Whether `METHOD route` (the route as written in the client) is paced. */
  paces(method: string, route: string): boolean {
    return this.enabled && CAPPED_ROUTES.has(`${method} ${route}`);
  }

  /** Waits for a slot of `METHOD route` in class `cls`; resolves with the wait (ms). Not paced: at once. */
  acquire(method: string, route: string, cls: PriorityClass, key: string): Promise<number> {
    const s = this.scheduler(method, route);
    return s ? s.acquire(cls, key) : Promise.resolve(0);
  }

  /** After a 429 on `METHOD route`: nothing goes there before `untilMs`. */
  pauseUntil(method: string, route: string, untilMs: number): void {
    this.scheduler(method, route)?.pauseUntil(untilMs);
  }

  /** Calls waiting per capped endpoint and class (every pair, 0 included); none when pacing is off. */
  depths(): QueueDepth[] {
    if (!this.enabled) return [];
    const out: QueueDepth[] = [];
    for (const endpoint of CAPPED_ROUTES) {
      const d = this.schedulers.get(endpoint)?.depth();
      for (const cls of PRIORITY_CLASSES) out.push({ endpoint, class: cls, depth: d?.[cls] ?? 0 });
    }
    return out;
  }

  /** Tells `listener` about every capped call as it gets its slot (for metrics). Returns what unsubscribes. */
  onGranted(listener: GrantListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private scheduler(method: string, route: string): CappedScheduler | undefined {
    if (!this.paces(method, route)) return undefined;
    const endpoint = `${method} ${route}`;
    let s = this.schedulers.get(endpoint);
    if (!s) {
      const granted = (g: Granted) => {
        for (const l of this.listeners) {
          try {
            l(g);
          } catch {
            // A metric that fails must not keep a call from its slot.
          }
        }
      };
      s = new CappedScheduler(endpoint, this.perSecond, this.clock, granted, this.sharedSlots);
      this.schedulers.set(endpoint, s);
    }
    return s;
  }
}
