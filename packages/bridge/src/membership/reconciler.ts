/**
 * Reconcile: make each Case's channel agent membership match the Case owner in Salesforce.
 *
 * For a batch of Case Ids: read the Cases (200 per query) and their owners' names (one query per
 * 200 owners). A Case that is not a chat Case (no Sendbird_Ticket_Id__c: no channel was ever made
 * for it) is noted in the ledger and skipped without a Sendbird call or a retry. Then per chat
 * Case (a few at a time):
 *   owner is a User -> ensure its Sendbird user (cached) -> invite it (the answer carries the
 *   member list, so no separate read) -> every other agent-like member leaves, in one call;
 *   owner is a queue -> read the members -> agents leave.
 * Invite before leave, so the channel is never without an agent during a hand-over; the customer
 * is never touched (plan.ts). With `readFirst` (the sweep, the CLI: mostly consistent Cases) the
 * members are read first and the invite is skipped when the agent is already there, so a Case in
 * step costs one Sendbird call. Every action is recorded in the ledger.
 *
 * Idempotent: inviting a member or removing a non-member changes nothing, and the owner is read
 * fresh each time, so duplicated or reordered events all end in the state Salesforce holds. Two
 * reconciles of one Case in this process run one after the other, and one whose Salesforce read is
 * older than the read applied last does nothing (it would put back an agent a newer read removed).
 */
import { isSalesforceId, type SalesforceClient, to18 } from '@sbsf/salesforce';
import { SendbirdNotFoundError, type SendbirdClient, type SendbirdMember } from '@sbsf/sendbird';
import type { Logger } from 'pino';
import type { AgentDirectory } from '../agents/directory.js';
import type { LedgerOutcome, Store } from '../store/types.js';
import { classifyFailure, type ClassifiedFailure } from '../tickets/errors.js';
import { agentFor, strayAgents, type MemberLike } from './plan.js';
import { readCases, readUserNames, type CaseFacts } from './salesforce-reads.js';
import { rememberBounded } from '../bounded-map.js';

/** Cases reconciled at once within a batch (Sendbird's client-side limiter paces the invites). */
export const RECONCILE_CONCURRENCY = 8;
/** Cases whose last applied read is remembered (to refuse older, overtaken reads). */
const APPLIED_READS_MAX = 100_000;

export type ReconcileSource = 'event' | 'sweep' | 'retry' | 'cli';

export interface CaseOutcome {
  caseId: string;
  caseNumber: string | null;
  /** The agent the channel should have (null: queue or non-agent owner). */
  agent: string | null;
  /** `ok`: in step now; `skipped`: nothing to reconcile (no such Case, not a chat Case, no channel); `failed`: see `error`. */
  status: 'ok' | 'skipped' | 'failed';
  /** `superseded`: a newer read of this Case was applied while this one waited; nothing done. */
  note?: 'case.missing' | 'case.not_chat' | 'channel.missing' | 'invalid_id' | 'superseded';
  invited: string[];
  left: string[];
  error?: ClassifiedFailure;
  /** When a rate limit said how long to wait. */
  retryAfterMs?: number;
}

export interface ReconcileOptions {
  source: ReconcileSource;
  /** Read the members before inviting (cheaper when most Cases are already in step). */
  readFirst?: boolean;
  /** Called as each Case finishes (progress bars). */
  onCase?: (outcome: CaseOutcome) => void;
  signal?: AbortSignal;
}

export interface ReconcilerOptions {
  salesforce: SalesforceClient;
  sendbird: SendbirdClient;
  store: Store;
  agents: AgentDirectory;
  logger: Logger;
  removePreviousAgent: boolean;
  nonAgentUserIds: readonly string[];
  concurrency?: number;
}

/** The channel named after the Case does not exist (yet, or any more). */
class ChannelMissing extends Error {}

export class Reconciler {
  private readonly nonAgents: ReadonlySet<string>;
  /** Numbers each Salesforce read, in the order they start. */
  private readSeq = 0;
  /** Case -> number of the read whose actions were applied last. */
  private readonly applied = new Map<string, number>();
  /** Case -> the tail of its chain of reconciles (one at a time per Case in this process). */
  private readonly locks = new Map<string, Promise<void>>();

  constructor(private readonly o: ReconcilerOptions) {
    this.nonAgents = new Set(o.nonAgentUserIds);
  }

  /** Reconciles the Cases; a Salesforce read failure throws (nothing was done), Case failures are reported. */
  async reconcile(caseIds: readonly string[], opts: ReconcileOptions): Promise<CaseOutcome[]> {
    const outcomes: CaseOutcome[] = [];
    const report = (o: CaseOutcome) => {
      outcomes.push(o);
      opts.onCase?.(o);
    };
    const ids: string[] = [];
    for (const raw of new Set(caseIds)) {
      if (isSalesforceId(raw) && raw.startsWith('500')) ids.push(to18(raw));
      else report({ caseId: raw, caseNumber: null, agent: null, status: 'skipped', note: 'invalid_id', invited: [], left: [] });
    }
    // Two reconciles of one Case can overlap (an event arrives while one runs). One at a time per
    // Case, and a read older than the one applied last is not acted on: otherwise an overtaken read
    // could put back the agent the newer one removed.
    const seq = ++this.readSeq;
    const cases = await readCases(this.o.salesforce, ids);
    const owners = [...cases.values()].filter((c) => c.isChat).map((c) => agentFor(c.ownerId, this.nonAgents)).filter((id): id is string => id !== null);
    const names = owners.length > 0 ? await readUserNames(this.o.salesforce, owners) : new Map<string, string>();

    const queue = [...ids];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('[membership] reconcile aborted');
        const c = cases.get(id);
        if (!c) {
          await this.ledger(id, 'salesforce', 'case.missing', id, 'error', { source: opts.source });
          report({ caseId: id, caseNumber: null, agent: null, status: 'skipped', note: 'case.missing', invited: [], left: [] });
          continue;
        }
        if (!c.isChat) {
          // No channel was ever made for it: nothing to invite into, and nothing a retry can change.
          await this.ledger(id, 'salesforce', 'case.not_chat', id, 'ok', { source: opts.source, ownerId: c.ownerId, caseNumber: c.caseNumber });
          report({ caseId: id, caseNumber: c.caseNumber, agent: null, status: 'skipped', note: 'case.not_chat', invited: [], left: [] });
          continue;
        }
        report(
          await this.oneAtATime(id, async () => {
            if ((this.applied.get(id) ?? 0) > seq) return { caseId: id, caseNumber: c.caseNumber, agent: null, status: 'ok', note: 'superseded', invited: [], left: [] } satisfies CaseOutcome;
            this.markApplied(id, seq);
            return this.reconcileCase(c, names, opts);
          }),
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency ?? RECONCILE_CONCURRENCY, Math.max(1, ids.length)) }, worker));
    return outcomes;
  }

  private async reconcileCase(c: CaseFacts, names: ReadonlyMap<string, string>, opts: ReconcileOptions): Promise<CaseOutcome> {
    const agent = agentFor(c.ownerId, this.nonAgents);
    const out: CaseOutcome = { caseId: c.id, caseNumber: c.caseNumber, agent, status: 'ok', invited: [], left: [] };
    const detail = { source: opts.source, ownerId: c.ownerId, caseNumber: c.caseNumber, ...(c.isClosed ? { closed: true } : {}) };
    try {
      let members: MemberLike[] | undefined;
      if (agent) {
        await this.o.agents.ensure(agent, names.get(agent) ?? agent, { caseId: c.id, source: opts.source });
        if (opts.readFirst) members = await this.members(c.id);
        if (!members?.some((m) => m.user_id === agent)) {
          members = await this.invite(c, agent, names.get(agent) ?? agent, opts.source, detail);
          out.invited.push(agent);
        }
      } else if (this.o.removePreviousAgent) {
        members = await this.members(c.id);
      }
      if (this.o.removePreviousAgent && members) {
        const leaving = strayAgents(members, agent, c.customerUserId);
        if (leaving.length > 0) {
          await this.leave(c, leaving, detail);
          out.left.push(...leaving);
        }
      }
      return out;
    } catch (err) {
      if (err instanceof ChannelMissing) {
        await this.ledger(c.id, 'sendbird', 'channel.missing', c.id, 'error', { ...detail, code: 400201 });
        return { ...out, status: 'skipped', note: 'channel.missing' };
      }
      const failure = classifyFailure(err);
      this.o.logger.warn({ caseId: c.id, failure: { ...failure } }, 'membership reconcile of a Case failed');
      const retryAfterMs = (err as { retryAfterMs?: unknown }).retryAfterMs;
      return { ...out, status: 'failed', error: failure, ...(typeof retryAfterMs === 'number' ? { retryAfterMs } : {}) };
    }
  }

  private async oneAtATime<T>(caseId: string, fn: () => Promise<T>): Promise<T> {
    const before = this.locks.get(caseId) ?? Promise.resolve();
    let release: () => void = () => undefined;
    const mine = new Promise<void>((r) => (release = r));
    const tail = before.then(() => mine);
    this.locks.set(caseId, tail);
    await before;
    try {
      return await fn();
    } finally {
      release();
      if (this.locks.get(caseId) === tail) this.locks.delete(caseId);
    }
  }

  private markApplied(caseId: string, seq: number): void {
    rememberBounded(this.applied, caseId, seq, APPLIED_READS_MAX);
  }

  private async members(channelUrl: string): Promise<SendbirdMember[]> {
    try {
      const ch = await this.o.sendbird.getGroupChannel(channelUrl, { showMember: true });
      return ch.members ?? (await this.o.sendbird.listMembers(channelUrl, { limit: 100 })).members;
    } catch (err) {
      if (err instanceof SendbirdNotFoundError) throw new ChannelMissing();
      throw err;
    }
  }

  /** Invites the agent; returns the members after the invite. */
  private async invite(c: CaseFacts, agent: string, name: string, source: string, detail: Record<string, unknown>): Promise<MemberLike[]> {
    try {
      let ch;
      try {
        ch = await this.o.sendbird.inviteMembers(c.id, [agent]);
      } catch (err) {
        if (!(err instanceof SendbirdNotFoundError)) throw err;
        // 400201 names either the channel or the agent's user (deleted behind our back). Which?
        this.o.agents.forget(agent);
        await this.members(c.id); // throws ChannelMissing when it is the channel
        await this.o.agents.ensure(agent, name, { caseId: c.id, source });
        ch = await this.o.sendbird.inviteMembers(c.id, [agent]);
      }
      await this.ledger(c.id, 'sendbird', 'member.invite', agent, 'ok', detail);
      return ch.members ?? (await this.members(c.id));
    } catch (err) {
      if (!(err instanceof ChannelMissing)) await this.ledger(c.id, 'sendbird', 'member.invite', agent, 'error', { ...detail, code: classifyFailure(err).code });
      throw err;
    }
  }

  private async leave(c: CaseFacts, userIds: string[], detail: Record<string, unknown>): Promise<void> {
    try {
      await this.o.sendbird.leaveMembers(c.id, userIds);
    } catch (err) {
      if (err instanceof SendbirdNotFoundError) throw new ChannelMissing();
      const code = classifyFailure(err).code;
      for (const id of userIds) await this.ledger(c.id, 'sendbird', 'member.leave', id, 'error', { ...detail, code });
      throw err;
    }
    for (const id of userIds) await this.ledger(c.id, 'sendbird', 'member.leave', id, 'ok', detail);
  }

  private async ledger(caseId: string, system: 'salesforce' | 'sendbird', action: string, target: string, outcome: LedgerOutcome, detail: Record<string, unknown>): Promise<void> {
    await this.o.store.appendLedger({ caseId, system, action, target, outcome, detail });
  }
}
