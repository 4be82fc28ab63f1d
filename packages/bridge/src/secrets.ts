/**
 * The registry of every secret VALUE the bridge holds or learns, and the scrubber that replaces
 * each occurrence of one with `[REDACTED]` in a log line, an error text or an error answer.
 *
 * Two kinds of value:
 * - Configured secrets (`add`): the client secret, API tokens, the shared secret, keys... A few,
 *   of any shape, kept for the life of the process and found by plain substring search.
 * - Secrets learned at run time (`learn`): Salesforce access tokens and JWT assertions, the
 *   Sendbird session and access tokens the bridge issues or reads, the credentials customers
 *   present (JWTs, Sendbird tokens). Many, token-shaped, each kept until it expires (or a day
 *   after it was last seen when its expiry is unknown), in bounded pools: the oldest is forgotten
 *   first when a pool is full, and values an unauthenticated caller can present have a pool of
 *   their own, so a flood of made-up bearer tokens cannot push out a real access token.
 *   They are found with a rolling hash over the text (Rabin-Karp on their first 16 characters):
 *   one pass whatever the number of values, a few microseconds per log line.
 */
import { REDACTED } from './redaction.js';

/** Configured values shorter than this are not scrubbed: they would match ordinary text. */
export const MIN_SCRUB_LENGTH = 8;
/** Learned values shorter than this are not kept (real tokens are far longer). */
export const MIN_LEARNED_LENGTH = 16;
/** A learned value whose expiry is unknown is kept this long after it was last seen. */
export const DEFAULT_LEARNED_TTL_MS = 24 * 60 * 60_000;

/**
 * Where a learned value comes from, each pool bounded on its own:
 * - `upstream`: Salesforce access tokens and assertions (few: one per login);
 * - `issued`: Sendbird session and access tokens the bridge issues or reads (one per ticket or agent session);
 * - `presented`: credentials callers send the bridge (anyone can send one).
 */
export type SecretPool = 'upstream' | 'issued' | 'presented';

export const POOL_LIMITS: Readonly<Record<SecretPool, number>> = { upstream: 1_000, issued: 50_000, presented: 10_000 };

export interface LearnOptions {
  pool?: SecretPool;
  /** When the value stops being a secret worth hiding (ms since the epoch); unknown = DEFAULT_LEARNED_TTL_MS from now. */
  expiresAt?: number;
}

export interface SecretScrubberOptions {
  clock?: () => number;
  /** Pool sizes (tests use small ones). */
  limits?: Partial<Record<SecretPool, number>>;
}

/** Characters hashed per window: every learned form is at least this long. */
const WINDOW = MIN_LEARNED_LENGTH;
const BASE = 0x01000193;
/** BASE^(WINDOW-1) mod 2^32, to take the oldest character out of the hash. */
const BASE_POW = (() => {
  let p = 1;
  for (let i = 1; i < WINDOW; i++) p = Math.imul(p, BASE);
  return p;
})();
/** The hash's top 20 bits index a filter of 2^20 counters (1 MiB, allocated on the first learned value). */
const FILTER_SHIFT = 12;

function windowHash(text: string, at: number): number {
  let h = 0;
  for (let i = at; i < at + WINDOW; i++) h = (Math.imul(h, BASE) + text.charCodeAt(i)) | 0;
  return h;
}

interface Learned {
  pool: SecretPool;
  expiresAt: number;
  forms: string[];
}

/** Registry of secret values; `scrub()` replaces each with `[REDACTED]`. One per process. */
export class SecretScrubber {
  private needles: string[] = [];
  private readonly learned = new Map<string, Learned>();
  private readonly pools: Record<SecretPool, Set<string>> = { upstream: new Set(), issued: new Set(), presented: new Set() };
  /** Window hash -> the learned forms starting with a window of that hash, longest first. */
  private readonly index = new Map<number, string[]>();
  private filter: Uint8Array | undefined;
  private readonly clock: () => number;
  private readonly limits: Record<SecretPool, number>;
  private nextSweep = 0;

  constructor(secrets: Iterable<string> = [], opts: SecretScrubberOptions = {}) {
    this.clock = opts.clock ?? Date.now;
    this.limits = { ...POOL_LIMITS, ...opts.limits };
    for (const s of secrets) this.add(s);
  }

  /** Adds a configured secret, kept for good (and its JSON-escaped form; each line of a multi-line secret such as a PEM key). */
  add(secret: string | undefined): void {
    if (!secret || secret.length < MIN_SCRUB_LENGTH) return;
    const forms = new Set<string>([secret, JSON.stringify(secret).slice(1, -1)]);
    if (secret.includes('\n')) {
      for (const line of secret.split(/\r?\n/)) {
        const l = line.trim();
        if (l.length >= 16 && !l.startsWith('-----')) forms.add(l);
      }
    }
    for (const f of forms) if (!this.needles.includes(f)) this.needles.push(f);
    // Longest first, so a secret that contains another is replaced whole.
    this.needles.sort((a, b) => b.length - a.length);
  }

  /**
   * Adds a secret learned at run time (its JSON-escaped and URL-encoded forms too). Learning a
   * known value again moves it to the young end of its pool and extends its life.
   */
  learn(secret: string | undefined, opts: LearnOptions = {}): void {
    if (!secret || secret.length < MIN_LEARNED_LENGTH) return;
    const now = this.clock();
    if (now >= this.nextSweep) this.sweep(now);
    const expiresAt = opts.expiresAt ?? now + DEFAULT_LEARNED_TTL_MS;
    if (expiresAt <= now) return;
    const known = this.learned.get(secret);
    if (known) {
      known.expiresAt = Math.max(known.expiresAt, expiresAt);
      const pool = this.pools[known.pool];
      pool.delete(secret);
      pool.add(secret);
      return;
    }
    const poolName = opts.pool ?? 'issued';
    const pool = this.pools[poolName];
    while (pool.size >= this.limits[poolName]) this.forget(pool.values().next().value as string);
    const forms = [...new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)])];
    this.learned.set(secret, { pool: poolName, expiresAt, forms });
    pool.add(secret);
    this.filter ??= new Uint8Array(1 << (32 - FILTER_SHIFT));
    for (const f of forms) {
      const h = windowHash(f, 0);
      const list = this.index.get(h);
      if (list) {
        list.push(f);
        list.sort((a, b) => b.length - a.length);
      } else this.index.set(h, [f]);
      const slot = h >>> FILTER_SHIFT;
      // A saturated counter stays set: it only costs a Map lookup now and then.
      if (this.filter[slot]! < 255) this.filter[slot]! += 1;
    }
  }

  /** Is this value known (configured or learned and not forgotten)? */
  has(secret: string): boolean {
    return this.needles.includes(secret) || this.learned.has(secret);
  }

  /** How many learned values are kept, by pool. */
  sizes(): Record<SecretPool, number> {
    return { upstream: this.pools.upstream.size, issued: this.pools.issued.size, presented: this.pools.presented.size };
  }

  scrub(text: string): string {
    let out = text;
    for (const n of this.needles) if (out.includes(n)) out = out.split(n).join(REDACTED);
    return this.learned.size > 0 && out.length >= WINDOW ? this.scrubLearned(out) : out;
  }

  private scrubLearned(text: string): string {
    const filter = this.filter!;
    const parts: string[] = [];
    let copied = 0;
    let i = 0;
    let h = windowHash(text, 0);
    for (;;) {
      let matched = 0;
      if (filter[h >>> FILTER_SHIFT] !== 0) {
        const list = this.index.get(h);
        if (list)
          for (const f of list)
            if (text.startsWith(f, i)) {
              matched = f.length;
              break;
            }
      }
      if (matched > 0) {
        parts.push(text.slice(copied, i), REDACTED);
        i += matched;
        copied = i;
        if (i + WINDOW > text.length) break;
        h = windowHash(text, i);
        continue;
      }
      if (i + WINDOW >= text.length) break;
      h = (Math.imul(h - Math.imul(text.charCodeAt(i), BASE_POW), BASE) + text.charCodeAt(i + WINDOW)) | 0;
      i++;
    }
    if (parts.length === 0) return text;
    parts.push(text.slice(copied));
    return parts.join('');
  }

  private forget(secret: string): void {
    const entry = this.learned.get(secret);
    if (!entry) return;
    this.learned.delete(secret);
    this.pools[entry.pool].delete(secret);
    for (const f of entry.forms) {
      const h = windowHash(f, 0);
      const list = this.index.get(h);
      if (list) {
        const at = list.indexOf(f);
        if (at >= 0) list.splice(at, 1);
        if (list.length === 0) this.index.delete(h);
      }
      const slot = h >>> FILTER_SHIFT;
      if (this.filter![slot]! > 0 && this.filter![slot]! < 255) this.filter![slot]! -= 1;
    }
  }

  /** Forgets every expired value (at most once a minute, from `learn`). */
  private sweep(now: number): void {
    this.nextSweep = now + 60_000;
    for (const [secret, entry] of this.learned) if (entry.expiresAt <= now) this.forget(secret);
  }
}
