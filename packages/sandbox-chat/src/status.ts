/**
 * What a conversation says about itself: the status line under its heading and the note that
 * replaces the composer when the person cannot write. Pure, so both read the same everywhere.
 */

/** What the status line under the heading says. */
export function channelStatus(opts: {
  audience: 'customer' | 'agent';
  others: readonly string[];
  frozen: boolean;
  departed: boolean;
}): string {
  if (opts.departed) return 'You are no longer in this conversation';
  const withWhom = opts.others.length ? `With ${opts.others.join(', ')}` : '';
  if (opts.frozen) return `${withWhom ? `${withWhom} · ` : ''}closed for new messages`;
  if (withWhom) return withWhom;
  return opts.audience === 'customer'
    ? 'Waiting for an agent. The next one free will join here; you can leave this page and come back.'
    : 'The customer is not in this conversation';
}

/** "Ava Agent is typing…", "Ava and Ben are typing…", or null when nobody is. */
export function typingText(names: readonly string[]): string | null {
  if (names.length === 0) return null;
  if (names.length === 1) return `${names[0]} is typing…`;
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]} are typing…`;
}

/**
 * Whether a message the person sent at `sentAt` has been read by everyone else who is in the
 * conversation (their read marks, from the feed's read receipts), or null when nobody else is.
 */
export function readByOthers(
  members: readonly { user_id: string; state: string; read_ts?: number }[],
  me: string,
  sentAt: number,
): boolean | null {
  const others = members.filter((m) => m.user_id !== me && m.state === 'joined');
  if (others.length === 0) return null;
  return others.every((m) => (m.read_ts ?? 0) >= sentAt);
}

/** Why the person cannot write here, for the note that replaces the composer. */
export function readOnlyNote(departed: boolean, frozen: boolean, takeover: string | null, audience: 'customer' | 'agent'): string {
  if (departed) return takeover ? `${takeover}. This conversation is read-only now.` : 'You left this conversation. It is read-only now.';
  if (frozen) return audience === 'customer' ? 'This ticket is closed.' : 'This conversation is closed for new messages.';
  return 'You are not a member of this conversation.';
}
