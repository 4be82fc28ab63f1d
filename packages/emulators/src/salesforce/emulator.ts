/**
 * The emulator's shape as its routes see it (types only): server.ts builds it; the admin API and
 * the console simulator take it without importing the server.
 */
import type { FastifyInstance } from 'fastify';
import type { FaultInjector } from '../common/faults.js';
import type { ResolvedOptions } from './options.js';
import type { OrgBehaviour } from './org.js';
import type { SeedInfo } from './seed.js';
import type { PubSubHandle } from './pubsub/index.js';
import type { OrgState, SfRecord } from './state.js';
import type { DuplicateRule } from './duplicate-rules.js';

/**
 * What the console simulator (`/console`) lets a caller do. Each browser logs in on its own (the
 * page's "Logged in as", kept in an HttpOnly cookie); these set and read the default agent, the one
 * a browser (or an HTTP client) without a console login is logged in as.
 */
export interface ConsoleHandle {
  /** The default agent's User Id (the first agent until `login` names another). */
  currentUserId(): string;
  /** Makes `userId` (an active user) the default agent; browsers logged in on the page keep theirs. */
  login(userId: string): void;
}

export interface ApiLimits {
  dailyLimit: number;
  used: number;
}

export interface CallStats {
  /** All counted requests (token requests and the version list included). */
  total: number;
  /** Requests per "METHOD route", e.g. "POST /sobjects/{type}", "POST /services/oauth2/token". */
  byRoute: Record<string, number>;
}

export interface SalesforceEmulator {
  app: FastifyInstance;
  state: OrgState;
  faults: FaultInjector;
  options: ResolvedOptions;
  /** Ids of the seed records (deterministic). */
  seed: SeedInfo;
  /** The org's behaviour beyond the REST API: triggers -> bridge events, Omni-Channel, the agent-session action. */
  org: OrgBehaviour;
  /** The console simulator (`/console`), when the `console` option is set. */
  console?: ConsoleHandle;
  /** The Pub/Sub API and Change Data Capture, when the `pubsub` option is set (`endpoint` once listening). */
  pubsub?: PubSubHandle;
  stats(): CallStats;
  resetStats(): void;
  /** Back to the seed data; limits' `used` back to 0. Issued tokens stay valid. */
  reset(): void;
  /** Invalidates every issued access token (open Pub/Sub subscriptions end with the auth error); returns how many there were. */
  expireTokens(): number;
  /** Every access token issued and still valid (`GET /__admin/tokens`): tests search logs for them. */
  issuedTokens(): string[];
  limits(): ApiLimits;
  /**
   * Hides these fields (`Object.Field`) from the integration user's describe, as field-level
   * security would, replacing the list; [] shows every field again. Answers the list.
   */
  hideFields(fields: readonly string[]): string[];
  hiddenFields(): string[];
  /** Replaces the org's active duplicate rules (duplicate-rules.ts); [] turns them off. Answers the list. */
  setDuplicateRules(rules: readonly DuplicateRule[]): DuplicateRule[];
  duplicateRules(): DuplicateRule[];
  /** Turns Person Accounts on or off in the emulated org (person-accounts.ts). */
  setPersonAccounts(enabled: boolean): boolean;
  setLimits(l: Partial<ApiLimits>): ApiLimits;
  /** Records of one object (e.g. 'Case'), in insertion order. */
  records(object: string): SfRecord[];
  /** What GET /__admin/state answers. */
  snapshot(): { org: { Id: string; Name: string }; seed: SeedInfo; limits: ApiLimits; records: Record<string, SfRecord[]> };
}

export interface RunningSalesforceEmulator extends SalesforceEmulator {
  url: string;
  close(): Promise<void>;
}
