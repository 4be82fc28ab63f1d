/**
 * Agents' Sendbird users: user_id = the 18-character Salesforce User Id, nickname = the User's
 * Name. `ensure` makes the user exist with that nickname: create; 400202 (exists) -> read it and
 * update the nickname if it changed. Agents known to be in step are remembered, so a steady state
 * costs no Sendbird call (the reconcile and the agent-session route share one directory per
 * process). Every create and update is recorded in the ledger.
 */
import { SendbirdAlreadyExistsError, type SendbirdClient } from '@sbsf/sendbird';
import { truncateText } from '@sbsf/wire';
import type { Store } from './store/types.js';
import { classifyFailure } from './upstream-failure.js';
import { rememberBounded } from './bounded-map.js';

/** Sendbird's longest nickname. */
export const MAX_NICKNAME_LENGTH = 80;
const DEFAULT_KNOWN_MAX = 50_000;

export type EnsureResult = 'known' | 'created' | 'updated' | 'unchanged';

export interface LedgerContext {
  caseId?: string | null;
  source: string;
}

/** The User's Name as a Sendbird nickname: trimmed, and cut to 80 UTF-16 units where a character ends (never inside an emoji). */
export const sendbirdNickname = (name: string): string => truncateText(name.trim(), MAX_NICKNAME_LENGTH);

export class AgentDirectory {
  /** userId -> the nickname Sendbird has, as far as this process knows. */
  private readonly known = new Map<string, string>();
  /** One ensure per agent and nickname at a time: a batch of Cases of one new agent makes one user. */
  private readonly inflight = new Map<string, Promise<EnsureResult>>();

  constructor(
    private readonly sendbird: SendbirdClient,
    private readonly store: Store,
    private readonly knownMax = DEFAULT_KNOWN_MAX,
  ) {}

  /** Makes the agent's Sendbird user exist with this nickname. */
  async ensure(userId: string, name: string, ctx: LedgerContext): Promise<EnsureResult> {
    const nickname = sendbirdNickname(name);
    if (this.known.get(userId) === nickname) return 'known';
    const key = `${userId}\u0000${nickname}`;
    let run = this.inflight.get(key);
    if (!run) {
      run = this.upsert(userId, nickname, ctx).finally(() => this.inflight.delete(key));
      this.inflight.set(key, run);
    } else {
      await run;
      return 'known';
    }
    return run;
  }

  private async upsert(userId: string, nickname: string, ctx: LedgerContext): Promise<EnsureResult> {
    const ledger = (action: string, outcome: 'ok' | 'exists' | 'error', detail: Record<string, unknown> = {}) =>
      this.store.appendLedger({
        caseId: ctx.caseId ?? null,
        system: 'sendbird',
        action,
        target: userId,
        outcome,
        detail: { source: ctx.source, ...detail },
      });
    try {
      await this.sendbird.createUser({ user_id: userId, nickname, profile_url: '' });
      await ledger('user.create', 'ok', { nickname });
      this.remember(userId, nickname);
      return 'created';
    } catch (err) {
      if (!(err instanceof SendbirdAlreadyExistsError)) {
        await ledger('user.create', 'error', { code: classifyFailure(err).code });
        throw err;
      }
    }
    try {
      const current = await this.sendbird.getUser(userId);
      if (current.nickname === nickname) {
        this.remember(userId, nickname);
        return 'unchanged';
      }
      await this.sendbird.updateUser(userId, { nickname });
      await ledger('user.update', 'ok', { nickname, previousNickname: current.nickname });
      this.remember(userId, nickname);
      return 'updated';
    } catch (err) {
      await ledger('user.update', 'error', { code: classifyFailure(err).code });
      throw err;
    }
  }

  /** Forgets an agent (its Sendbird user turned out to be missing). */
  forget(userId: string): void {
    this.known.delete(userId);
  }

  private remember(userId: string, nickname: string): void {
    rememberBounded(this.known, userId, nickname, this.knownMax);
  }
}
