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
 * fresh each time, so duplicated or reordered events all end in the state Salesforce holds.
 *
 * Ordered per Case, whichever instance runs the reconcile (the store holds the state, so it holds
 * across processes): a Case is applied by one reconcile at a time, under a lease claimed with a
 * compare-and-set in the store, and a read older than the one applied last is never applied.
 *   - The claim carries the read applied last (the Case's SystemModstamp and owner). A read that
 *     is older, or as old with another owner (two saves within one stamp), is stale: the Case is
 *     read again under the lease, and that read is applied. A read made under the lease is newer
 *     than every read applied before it, since those were applied before the lease was granted.
 *   - A reconcile that finds the Case leased does not wait: it marks the Case wanted and hands
 *     it over; the holder, as it lets go, sees the mark, reads the Case again and applies that.
 *     The hand-over says when the holder's lease runs out, and a `handover` reconcile is queued
 *     for then: it does nothing if the holder applied the mark, and applies it itself if the
 *     holder died with it (a process killed mid-apply must not take a change with it).
 *   - A failed apply (Sendbird down mid-way) records nothing: the Case is reported failed and
 *     reconciled again, never marked applied.
 *   - A holder whose lease ran out before it finished (another may have applied meanwhile)
 *     reports the Case failed, so it is reconciled again with a fresh read.
 */
import { randomUUID } from 'node:crypto';
import { isSalesforceId, type SalesforceClient, to18 } from '@sbsf/salesforce';
import {
  SendbirdAlreadyExistsError,
  SendbirdNotFoundError,
  withSendbirdPriority,
  type PriorityClass,
  type SendbirdClient,
  type SendbirdMember,
} from '@sbsf/sendbird';
import { agentNoticeText, BRIDGE_MESSAGE_CUSTOM_TYPE, type AgentNotice } from '@sbsf/wire';
import type { Logger } from 'pino';
import type { AgentDirectory } from '../agent-directory.js';
import type { AppliedMembershipRead, LedgerOutcome, Store } from '../store/types.js';
import { classifyFailure, type ClassifiedFailure } from '../upstream-failure.js';
import { agentFor, strayAgents, type MemberLike } from './plan.js';
import { readCases, readUserNames, type CaseFacts } from '../case-reads.js';

/** Cases reconciled at once within a batch (the Sendbird client paces the invites). */
export const RECONCILE_CONCURRENCY = 8;
/**
 * How long one reconcile may hold a Case (an apply is a few Sendbird calls); a holder that died
 * lets go when it runs out. Never longer than the job lease (feature.ts).
 */
export const APPLY_LEASE_MS = 60_000;
/** Channels read per list call when a reconcile reads the members first (Sendbird's page limit). */
export const CHANNELS_PER_LIST = 100;
/** Hand-overs one holder takes on before it hands the Case to a retry job instead. */
export const MAX_APPLY_ROUNDS = 5;

export type ReconcileSource = 'event' | 'sweep' | 'retry' | 'cli' | 'handover';

export interface CaseOutcome {
  caseId: string;
  caseNumber: string | null;
  /** The agent the channel should have (null: queue or non-agent owner). */
  agent: string | null;
  /** `ok`: in step now; `skipped`: nothing to reconcile (no such Case, not a chat Case, no channel); `failed`: see `error`. */
  status: 'ok' | 'skipped' | 'failed';
  /**
   * `handed_over`: another reconcile was applying this Case; it reads the Case again and applies
   * that, so this one did nothing (`recheckAt` says when to check that it did). `reread`: this
   * read was stale (older than the one applied last, or a hand-over was waiting), so the Case was
   * read again under the lease and that applied. `handover.applied`: a `handover` reconcile found
   * the mark gone, applied by the holder it was handed to.
   */
  note?: 'case.missing' | 'case.not_chat' | 'channel.missing' | 'invalid_id' | 'handed_over' | 'handover.applied' | 'reread';
  /** With `handed_over`: when the holder's lease runs out (epoch ms). */
  recheckAt?: number;
  invited: string[];
  left: string[];
  error?: ClassifiedFailure;
  /** When a rate limit said how long to wait. */
  retryAfterMs?: number;
}

export interface ReconcileOptions {
  source: ReconcileSource;
  /**
   * Read the members before inviting (cheaper when most Cases are already in step): the batch's
   * channels are read CHANNELS_PER_LIST at a time with one list call, not one call per Case.
   */
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
  /** APPLY_LEASE_MS unless given. */
  applyLeaseMs?: number;
}

/** The channel named after the Case does not exist (yet, or any more). */
class ChannelMissing extends Error {}

export class Reconciler {
  private readonly nonAgents: ReadonlySet<string>;
  private readonly leaseMs: number;

  constructor(private readonly o: ReconcilerOptions) {
    this.nonAgents = new Set(o.nonAgentUserIds);
    this.leaseMs = o.applyLeaseMs ?? APPLY_LEASE_MS;
  }

  /** Reconciles the Cases; a Salesforce read failure throws (nothing was done), Case failures are reported. */
  async reconcile(caseIds: readonly string[], opts: ReconcileOptions): Promise<CaseOutcome[]> {
    const outcomes: CaseOutcome[] = [];
    const report = (o: CaseOutcome) => {
      outcomes.push(o);
      opts.onCase?.(o);
    };
    let ids: string[] = [];
    for (const raw of new Set(caseIds)) {
      if (isSalesforceId(raw) && raw.startsWith('500')) ids.push(to18(raw));
      else report({ caseId: raw, caseNumber: null, agent: null, status: 'skipped', note: 'invalid_id', invited: [], left: [] });
    }
    if (opts.source === 'handover') {
      // Only the hand-overs still waiting: the holder applied the others (no call for those).
      const waiting = new Set(await this.o.store.wantedMembershipCases(ids));
      for (const id of ids.filter((id) => !waiting.has(id))) {
        report({ caseId: id, caseNumber: null, agent: null, status: 'ok', note: 'handover.applied', invited: [], left: [] });
      }
      ids = ids.filter((id) => waiting.has(id));
      if (ids.length === 0) return outcomes;
    }
    const cases = await readCases(this.o.salesforce, ids);
    const owners = [...cases.values()]
      .filter((c) => c.isChat)
      .map((c) => agentFor(c.ownerId, this.nonAgents))
      .filter((id): id is string => id !== null);
    const names = owners.length > 0 ? await readUserNames(this.o.salesforce, owners) : new Map<string, string>();
    const known = opts.readFirst ? await this.listMembers([...cases.values()].filter((c) => c.isChat).map((c) => c.id)) : undefined;

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
          const detail = { source: opts.source, ownerId: c.ownerId, caseNumber: c.caseNumber };
          await this.ledger(id, 'salesforce', 'case.not_chat', id, 'ok', detail);
          report({ caseId: id, caseNumber: c.caseNumber, agent: null, status: 'skipped', note: 'case.not_chat', invited: [], left: [] });
          continue;
        }
        report(await this.applyInTurn(c, names, opts, known?.get(id)));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency ?? RECONCILE_CONCURRENCY, Math.max(1, ids.length)) }, worker));
    return outcomes;
  }

  /**
   * The members of these channels, read CHANNELS_PER_LIST per list call. A channel the list does
   * not return is left out (its own read then says whether it is missing); if a list call fails,
   * nothing is returned and each Case reads its own channel.
   */
  private async listMembers(channelUrls: readonly string[]): Promise<Map<string, MemberLike[]> | undefined> {
    const out = new Map<string, MemberLike[]>();
    try {
      for (let i = 0; i < channelUrls.length; i += CHANNELS_PER_LIST) {
        const urls = channelUrls.slice(i, i + CHANNELS_PER_LIST);
        let token: string | undefined;
        do {
          const page = await this.o.sendbird.listGroupChannels({
            channel_urls: urls,
            show_member: true,
            limit: CHANNELS_PER_LIST,
            ...(token ? { token } : {}),
          });
          for (const ch of page.channels) if (ch.members) out.set(ch.channel_url, ch.members);
          token = page.next || undefined;
        } while (token);
      }
      return out;
    } catch (err) {
      this.o.logger.warn({ err, channels: channelUrls.length }, 'membership: could not list the channels; each Case reads its own');
      return undefined;
    }
  }

  private async reconcileCase(
    c: CaseFacts,
    names: ReadonlyMap<string, string>,
    opts: ReconcileOptions,
    applied: AppliedMembershipRead | null,
    known: readonly MemberLike[] | undefined,
    firstClaim: boolean,
  ): Promise<CaseOutcome> {
    const agent = agentFor(c.ownerId, this.nonAgents);
    const out: CaseOutcome = { caseId: c.id, caseNumber: c.caseNumber, agent, status: 'ok', invited: [], left: [] };
    const detail = { source: opts.source, ownerId: c.ownerId, caseNumber: c.caseNumber, ...(c.isClosed ? { closed: true } : {}) };
    try {
      let members: MemberLike[] | undefined;
      if (agent) {
        await this.o.agents.ensure(agent, names.get(agent) ?? agent, { caseId: c.id, source: opts.source });
        if (opts.readFirst) members = known ? [...known] : await this.members(c.id);
        if (!members?.some((m) => m.user_id === agent)) {
          members = await this.invite(c, agent, names.get(agent) ?? agent, opts.source, detail);
          out.invited.push(agent);
        }
      } else if (this.o.removePreviousAgent) {
        members = known ? [...known] : await this.members(c.id);
      }
      const leaving = this.o.removePreviousAgent && members ? strayAgents(members, agent, c.customerUserId) : [];
      // Said before anyone leaves, so the agent who is replaced reads who took over.
      let ownerChanged = applied ? applied.ownerId !== c.ownerId : undefined;
      // No read applied and the owner already in. A reconcile of this Case was started before and
      // never finished (its claim left the row): it may have died between its invite and its
      // notice, and the ledger, kept forever, says whether the owner was told. No reconcile ever
      // started (or the Case was forgotten): the agent was there before the bridge, or was told
      // long ago; either way nothing is news (a new bridge over existing chats says nothing).
      if (ownerChanged === undefined && agent && out.invited.length === 0 && leaving.length === 0) {
        ownerChanged = firstClaim ? false : !(await this.toldBefore(c));
      }
      const notice = agentNotice(agent, names, leaving, members ?? [], ownerChanged, out.invited.length > 0);
      if (notice) await this.notify(c, notice, detail);
      if (leaving.length > 0) {
        await this.leave(c, leaving, detail);
        out.left.push(...leaving);
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

  /**
   * Applies one Case under its lease (see the top of this file): claim, read again if this read is
   * stale or a hand-over waits, apply, record the read applied; again while hand-overs arrive.
   */
  private async applyInTurn(
    read: CaseFacts,
    readNames: ReadonlyMap<string, string>,
    opts: ReconcileOptions,
    listed: readonly MemberLike[] | undefined,
  ): Promise<CaseOutcome> {
    const store = this.o.store;
    const holder = randomUUID();
    const claim = await store.claimMembershipApply(read.id, holder, this.leaseMs);
    if (!claim.claimed) {
      const agent = agentFor(read.ownerId, this.nonAgents);
      const handedOver = { status: 'ok', note: 'handed_over', recheckAt: claim.lockedUntil } as const;
      return { caseId: read.id, caseNumber: read.caseNumber, agent, ...handedOver, invited: [], left: [] };
    }
    let c = read;
    let names = readNames;
    let applied = claim.applied;
    let readAgain = claim.wanted;
    let reread = false;
    for (let round = 1; ; round++) {
      let out: CaseOutcome;
      try {
        if (readAgain || isStale(c, applied)) {
          const fresh = await this.readOne(c.id);
          reread = true;
          if (!fresh || !fresh.facts.isChat) {
            // Deleted, or no longer a chat Case, since the batch was read: nothing to apply.
            await store.finishMembershipApply(c.id, holder, null, { leaseMs: this.leaseMs, keepIfWanted: false });
            const note = fresh ? 'case.not_chat' : 'case.missing';
            return { caseId: c.id, caseNumber: c.caseNumber, agent: null, status: 'skipped', note, invited: [], left: [] };
          }
          c = fresh.facts;
          names = fresh.names;
        }
        // Its capped Sendbird calls are paced in the Case's class, taking turns with other Cases.
        const priority = { class: reconcileClass(opts.source, agentFor(c.ownerId, this.nonAgents), applied, this.nonAgents), key: c.id };
        // The members listed with the batch hold only for the read made with them: once the Case
        // was read again (stale, or a hand-over), its channel is read again too.
        const known = reread ? undefined : listed;
        const firstClaim = round === 1 && claim.first;
        out = await withSendbirdPriority(priority, () => this.reconcileCase(c, names, opts, applied, known, firstClaim));
      } catch (err) {
        // A Salesforce read or the store failed: nothing is recorded, and the Case is retried.
        await store.finishMembershipApply(c.id, holder, null, { leaseMs: this.leaseMs, keepIfWanted: false }).catch(() => undefined);
        const failure = classifyFailure(err);
        this.o.logger.warn({ caseId: c.id, failure: { ...failure } }, 'membership reconcile of a Case failed');
        const retryAfterMs = (err as { retryAfterMs?: unknown }).retryAfterMs;
        return {
          caseId: c.id,
          caseNumber: c.caseNumber,
          agent: agentFor(c.ownerId, this.nonAgents),
          status: 'failed',
          error: failure,
          invited: [],
          left: [],
          ...(typeof retryAfterMs === 'number' ? { retryAfterMs } : {}),
        };
      }
      if (reread && out.status === 'ok' && !out.note) out.note = 'reread';
      // Only a complete apply is recorded; a failed one leaves the Case to be reconciled again.
      const done: AppliedMembershipRead | null = out.status === 'ok' ? { version: c.version, ownerId: c.ownerId } : null;
      const keepIfWanted = out.status === 'ok' && round < MAX_APPLY_ROUNDS;
      const end = await store.finishMembershipApply(c.id, holder, done, { leaseMs: this.leaseMs, keepIfWanted });
      if (end === 'released' || out.status !== 'ok') return out;
      if (end === 'lost') {
        const message = `[membership] the apply of Case ${c.id} outlived its ${this.leaseMs} ms lease; it is reconciled again`;
        return { ...out, status: 'failed', error: { kind: 'retryable', system: 'bridge', code: 'apply_lease_lost', message } };
      }
      if (round >= MAX_APPLY_ROUNDS) {
        // Still wanted after several rounds: a retry job takes it (the mark makes it read again).
        const message = `[membership] Case ${c.id} kept changing while it was applied; it is reconciled again`;
        return { ...out, status: 'failed', error: { kind: 'retryable', system: 'bridge', code: 'apply_busy', message } };
      }
      applied = done;
      readAgain = true;
    }
  }

  /** The Case and its owner's name, read now (under the lease). Null when there is no such Case. */
  private async readOne(caseId: string): Promise<{ facts: CaseFacts; names: Map<string, string> } | null> {
    const facts = (await readCases(this.o.salesforce, [caseId])).get(caseId);
    if (!facts) return null;
    const agent = facts.isChat ? agentFor(facts.ownerId, this.nonAgents) : null;
    return { facts, names: agent ? await readUserNames(this.o.salesforce, [agent]) : new Map<string, string>() };
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
      if (!(err instanceof ChannelMissing)) {
        await this.ledger(c.id, 'sendbird', 'member.invite', agent, 'error', { ...detail, code: classifyFailure(err).code });
      }
      throw err;
    }
  }

  /** Whether this Case's channel was told about its current owner (a notice in the ledger). */
  private async toldBefore(c: CaseFacts): Promise<boolean> {
    const entries = await this.o.store.ledgerForCase(c.id);
    return entries.some((e) => e.action === 'channel.agent_notice' && e.outcome === 'ok' && e.detail.ownerId === c.ownerId);
  }

  /**
   * Posts an agent notice (joined, took over, left) as an admin message. Its `dedup_id` names the
   * Case's owner and version, so a reconcile that runs again after posting it (a failed leave, a
   * crash) is refused with 400202, which counts as said.
   */
  private async notify(c: CaseFacts, notice: AgentNotice, detail: Record<string, unknown>): Promise<void> {
    try {
      await this.o.sendbird.sendMessage(c.id, {
        message_type: 'ADMM',
        message: agentNoticeText(notice),
        custom_type: BRIDGE_MESSAGE_CUSTOM_TYPE,
        data: JSON.stringify(notice),
        dedup_id: `sbsf-owner-${c.id}-${c.version ?? 'none'}-${c.ownerId ?? 'none'}`,
        // News in the conversation, not a message to answer: no unread count, no list preview.
        is_silent: true,
      });
      await this.ledger(c.id, 'sendbird', 'channel.agent_notice', notice.sbsf, 'ok', detail);
    } catch (err) {
      if (err instanceof SendbirdAlreadyExistsError) return;
      if (err instanceof SendbirdNotFoundError) throw new ChannelMissing();
      await this.ledger(c.id, 'sendbird', 'channel.agent_notice', notice.sbsf, 'error', { ...detail, code: classifyFailure(err).code });
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

  private async ledger(
    caseId: string,
    system: 'salesforce' | 'sendbird',
    action: string,
    target: string,
    outcome: LedgerOutcome,
    detail: Record<string, unknown>,
  ): Promise<void> {
    await this.o.store.appendLedger({ caseId, system, action, target, outcome, detail });
  }
}

/**
 * The pacing class of a Case's reconcile (@sbsf/sendbird's priority). The sweep's come last. An
 * agent put into a channel that has no agent, as far as the bridge knows (no read applied yet, or
 * the owner applied last was not an agent: a queue), is `membership_waiting`: the customer waits
 * for a first agent. Anything else (a hand-over, agents leaving) is `membership`. The read applied
 * last answers without a Sendbird call; a channel changed behind the bridge's back may be
 * misjudged, which only costs a place in the queue.
 */
export function reconcileClass(
  source: ReconcileSource,
  agent: string | null,
  applied: Pick<AppliedMembershipRead, 'ownerId'> | null,
  nonAgents: ReadonlySet<string>,
): PriorityClass {
  if (source === 'sweep') return 'sweep';
  if (agent && (!applied || agentFor(applied.ownerId, nonAgents) === null)) return 'membership_waiting';
  return 'membership';
}

/**
 * A read that must not be applied as it is: older than the read applied last, or as old with
 * another owner (two saves within one stamp: which came last is unknown), or without a stamp.
 */
export function isStale(read: Pick<CaseFacts, 'version' | 'ownerId'>, applied: AppliedMembershipRead | null): boolean {
  if (!applied) return false;
  if (read.version === null || applied.version === null) return true;
  return read.version < applied.version || (read.version === applied.version && read.ownerId !== applied.ownerId);
}

/**
 * What the channel is told about this apply, or null. Only a new owner is news (or, for a Case
 * this bridge never applied, a change it made): an agent joined, took over (others leave as it
 * joins), or every agent left (the Case went to a queue). A reconcile that changes nothing, or
 * repairs drift under the same owner, says nothing.
 */
export function agentNotice(
  agent: string | null,
  names: ReadonlyMap<string, string>,
  leaving: readonly string[],
  members: readonly (MemberLike & { nickname?: string })[],
  /** Whether the owner differs from the one applied last; undefined when none was. */
  ownerChanged: boolean | undefined,
  invited: boolean,
): AgentNotice | null {
  // A repair with the same owner (drift made behind the bridge's back) is not news to anyone.
  if (!(ownerChanged ?? (invited || leaving.length > 0))) return null;
  const nameOf = (id: string) => names.get(id) || members.find((m) => m.user_id === id)?.nickname || 'An agent';
  const previous = leaving.map((id) => ({ id, name: nameOf(id) }));
  if (agent) {
    const me = { id: agent, name: nameOf(agent) };
    return previous.length > 0 ? { sbsf: 'agent.handover', agent: me, previous } : { sbsf: 'agent.joined', agent: me };
  }
  return previous.length > 0 ? { sbsf: 'agent.left', previous } : null;
}
