/**
 * Who belongs in a Case's channel: pure decisions, no I/O (reconciler.ts acts on them).
 *
 * - The Case owner is the agent when it is a User (`005`) that is not listed as a non-agent (the
 *   integration user, say). A queue (`00G`) means no agent.
 * - Agents are recognised by their Sendbird user id, which is the 18-character Salesforce User Id
 *   (agent sessions and reconciles both use it). Any member whose id is a Salesforce User Id (15 or
 *   18 characters, prefix 005) and is not the owner is a previous or stray agent and leaves,
 *   unless REMOVE_PREVIOUS_AGENT=false. A 15-character form of the owner's Id is a different
 *   Sendbird user, so it leaves too.
 * - Everyone else (the customer) is never touched; the Case's customer user id is protected even if
 *   it happened to look like a User Id.
 */
import { isUserId, to18 } from '@sbsf/salesforce';

export interface MemberLike {
  user_id: string;
}

/** The Sendbird user that should be the Case's agent, or null (queue, non-agent user, none). */
export function agentFor(ownerId: string | null | undefined, nonAgentUserIds: ReadonlySet<string>): string | null {
  if (!ownerId || !isUserId(ownerId)) return null;
  const id = to18(ownerId);
  return nonAgentUserIds.has(id) ? null : id;
}

/** A member who is a Salesforce user (an agent), as opposed to a customer. */
export function isAgentMemberId(userId: string): boolean {
  return isUserId(userId);
}

/** The members who must leave: agent-like ids other than the agent, never the customer. */
export function strayAgents(members: readonly MemberLike[], agent: string | null, customerUserId: string | null | undefined): string[] {
  return members.map((m) => m.user_id).filter((id) => id !== agent && id !== customerUserId && isAgentMemberId(id));
}
