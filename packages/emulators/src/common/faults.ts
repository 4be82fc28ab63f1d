/**
 * Fault injection shared by both emulators. Tests install rules through each emulator's admin
 * API (`PUT /__admin/faults`) or directly through `FaultInjector.set()`; every request that is
 * not an admin request is checked against the rules before the emulator handles it.
 *
 * A rule either always applies (`probability` 1, the default) or applies to a share of requests,
 * drawn from a seeded generator so a run can be repeated; `times` bounds how often it fires
 * ("the next 2 channel creations answer 500"), which is what deterministic tests want.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { seededRandom } from './random.js';

export type FaultAction =
  /** Answer with a server error (`status`, default 503 for Salesforce and 500 for Sendbird). */
  | 'error'
  /** Answer 429 with the vendor's retry headers (`retryAfterMs`, default 1000). */
  | 'rateLimit'
  /** Destroy the connection without answering. */
  | 'drop'
  /** Hold the request for `timeoutMs` (default 30 s), then destroy the connection. */
  | 'timeout'
  /** Only add `latencyMs` and then handle the request normally. */
  | 'latency'
  /**
   * Hold the request until `release()` (or `close()`), then handle it normally: a call kept in
   * flight for exactly as long as a test needs, whatever the machine's speed.
   */
  | 'hold';

export interface FaultRule {
  action: FaultAction;
  /** Only requests with this method (case-insensitive). */
  method?: string;
  /** Only requests whose path (without query) matches this regular expression. */
  path?: string;
  /** Share of matching requests that get the fault, 0..1. Default 1. */
  probability?: number;
  /** How many times the rule fires before it is spent. Default: unlimited. */
  times?: number;
  status?: number;
  retryAfterMs?: number;
  timeoutMs?: number;
  latencyMs?: number;
}

export interface FaultSettings {
  /** Latency added to every non-admin request, in ms. */
  latencyMs?: number;
  /** Seed for the generator that decides probabilistic rules. */
  seed?: number;
  rules?: FaultRule[];
}

export interface FaultStats {
  /** How often each action fired since the last reset. */
  fired: Record<FaultAction, number>;
}

/** Vendor-specific answers for the faults that produce a response body. */
export interface FaultResponder {
  error(reply: FastifyReply, status: number): void;
  rateLimited(reply: FastifyReply, retryAfterMs: number): void;
  defaultErrorStatus: number;
}

const ACTIONS: readonly FaultAction[] = ['error', 'rateLimit', 'drop', 'timeout', 'latency', 'hold'];

interface LiveRule extends FaultRule {
  re?: RegExp;
  remaining: number;
}

export class FaultInjector {
  private latencyMs = 0;
  private rules: LiveRule[] = [];
  private random = seededRandom(1);
  private readonly pending = new Set<NodeJS.Timeout>();
  /** The requests a `hold` rule holds, each waiting for its resolver. */
  private readonly held = new Set<() => void>();
  stats: FaultStats = { fired: { error: 0, rateLimit: 0, drop: 0, timeout: 0, latency: 0, hold: 0 } };

  /** Replace the fault settings. Throws a readable error for an invalid rule. */
  set(settings: FaultSettings): void {
    const rules = (settings.rules ?? []).map((r, i) => {
      if (!ACTIONS.includes(r.action)) {
        throw new Error(`rules[${i}].action must be one of ${ACTIONS.join(', ')}`);
      }
      if (r.probability !== undefined && !(r.probability >= 0 && r.probability <= 1)) {
        throw new Error(`rules[${i}].probability must be between 0 and 1`);
      }
      let re: RegExp | undefined;
      if (r.path !== undefined) {
        try {
          re = new RegExp(r.path);
        } catch {
          throw new Error(`rules[${i}].path is not a valid regular expression`);
        }
      }
      return { ...r, re, remaining: r.times ?? Number.POSITIVE_INFINITY };
    });
    this.latencyMs = Math.max(0, settings.latencyMs ?? 0);
    this.rules = rules;
    this.random = seededRandom(settings.seed ?? 1);
  }

  get(): FaultSettings & FaultStats {
    return {
      latencyMs: this.latencyMs,
      rules: this.rules.map(({ re: _re, remaining, ...r }) => ({
        ...r,
        ...(Number.isFinite(remaining) ? { times: remaining } : {}),
      })),
      fired: { ...this.stats.fired },
    };
  }

  reset(): void {
    this.set({});
    this.stats = { fired: { error: 0, rateLimit: 0, drop: 0, timeout: 0, latency: 0, hold: 0 } };
  }

  /** Requests held by a `hold` rule right now. */
  get heldCount(): number {
    return this.held.size;
  }

  /** Lets every held request go on (handled normally); returns how many there were. */
  release(): number {
    const held = [...this.held];
    this.held.clear();
    for (const go of held) go();
    return held.length;
  }

  /** Cancel held (timeout) requests so a server can close promptly. */
  close(): void {
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
    this.release();
  }

  private pick(method: string, path: string): LiveRule | undefined {
    for (const rule of this.rules) {
      if (rule.remaining <= 0) continue;
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (rule.re && !rule.re.test(path)) continue;
      if ((rule.probability ?? 1) < 1 && this.random() >= (rule.probability ?? 1)) continue;
      rule.remaining -= 1;
      return rule;
    }
    return undefined;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.pending.delete(t);
        resolve();
      }, ms);
      this.pending.add(t);
    });
  }

  /**
   * Installs the hook on an emulator. `adminPrefix` requests are never faulted, so a test can
   * always read state and lift faults.
   */
  install(app: FastifyInstance, responder: FaultResponder, adminPrefix = '/__admin'): void {
    app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
      const path = req.url.split('?')[0] ?? req.url;
      if (path.startsWith(adminPrefix)) return;
      if (this.latencyMs > 0) await this.sleep(this.latencyMs);
      const rule = this.pick(req.method, path);
      if (!rule) return;
      this.stats.fired[rule.action] += 1;
      switch (rule.action) {
        case 'latency':
          await this.sleep(rule.latencyMs ?? 0);
          return;
        case 'hold':
          await new Promise<void>((resolve) => this.held.add(resolve));
          return;
        case 'error':
          responder.error(reply, rule.status ?? responder.defaultErrorStatus);
          return reply;
        case 'rateLimit':
          responder.rateLimited(reply, rule.retryAfterMs ?? 1000);
          return reply;
        case 'drop':
          reply.hijack();
          req.raw.socket.destroy();
          return reply;
        case 'timeout':
          reply.hijack();
          await this.sleep(rule.timeoutMs ?? 30_000);
          req.raw.socket.destroy();
          return reply;
      }
    });
  }
}
