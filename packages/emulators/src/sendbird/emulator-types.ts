/** The emulator's shape (types only): emulator.ts builds it; the admin routes take it without importing the builder. */
import type { FastifyInstance } from 'fastify';
import type { FaultInjector } from '../common/faults.js';
import type { FeedHub } from './feed/socket.js';
import type { PlanLimits } from './plan-limits.js';
import type { RateCaps } from './rate-caps.js';
import type { CallCounter } from './stats.js';
import type { Store } from './store.js';
import type { WebhookDispatcher } from './webhooks.js';

export interface SendbirdEmulator {
  app: FastifyInstance;
  appId: string;
  /** Master API token (also what signs webhooks unless configured otherwise). */
  apiToken: string;
  /** The largest file a FILE message may upload (option `fileUploadMaxBytes`). */
  fileUploadMaxBytes: number;
  store: Store;
  /** The same object as `store`: users, channels, messages and session tokens, in memory. */
  state: Store;
  faults: FaultInjector;
  webhooks: WebhookDispatcher;
  stats: CallCounter;
  rateCaps: RateCaps;
  /** Sendbird's plan-based limits (option `planLimits`; `/__admin/plan-limits`). */
  planLimits: PlanLimits;
  feed: FeedHub;
  /** Users, channels with members and messages, as the admin API shows them. */
  snapshot(): Record<string, unknown>;
  /** Empties the state (then re-applies the seed), call stats and delivery log. */
  reset(): void;
  /**
   * Expires every session token of `userId` now and closes their sandbox feed connections with
   * 4002, as a natural expiry would (test hook; `POST /__admin/sessions/expire`).
   */
  expireSessions(userId: string): { tokens: number; closed: number };
}

export interface RunningSendbirdEmulator extends SendbirdEmulator {
  /** Base URL, e.g. `http://127.0.0.1:51234`; the Platform API is at `${url}/v3`. */
  url: string;
  /** Same address with the ws scheme, plus `/sandbox/feed`. */
  feedUrl: string;
  close(): Promise<void>;
}
