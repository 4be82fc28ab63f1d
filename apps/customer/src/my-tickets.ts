/**
 * "My tickets": the customer's tickets, kept in the browser per customer, newest first, so they
 * can come back to an earlier conversation. The bridge is the truth for each ticket's state
 * (`GET /tickets/{id}`); this list only remembers which tickets to ask about.
 */
import type { TicketState, TicketStatus } from '@sbsf/wire';
import { STORAGE_PREFIX, readJson, writeJson, type KeyValueStore } from './storage.js';

/** How many tickets are remembered per customer. */
export const MAX_REMEMBERED_TICKETS = 50;

export interface StoredTicket {
  ticketId: string;
  subject: string;
  createdAt: number;
  caseId?: string;
  caseNumber?: string;
  channelUrl?: string;
  state?: TicketState | 'not_found';
  lastError?: string | null;
  checkedAt?: number;
}

export function ticketsKey(customerKey: string): string {
  return `${STORAGE_PREFIX}tickets.${customerKey}`;
}

function isStoredTicket(v: unknown): v is StoredTicket {
  const t = v as Partial<StoredTicket> | null;
  return !!t && typeof t.ticketId === 'string' && typeof t.subject === 'string' && typeof t.createdAt === 'number';
}

export class MyTickets {
  constructor(
    private readonly store: KeyValueStore,
    private readonly customerKey: string,
  ) {}

  list(): StoredTicket[] {
    const raw = readJson<unknown>(this.store, ticketsKey(this.customerKey));
    return Array.isArray(raw) ? raw.filter(isStoredTicket).sort((a, b) => b.createdAt - a.createdAt) : [];
  }

  get(ticketId: string): StoredTicket | undefined {
    return this.list().find((t) => t.ticketId === ticketId);
  }

  /** Adds a ticket, or merges into the one with the same id. */
  upsert(t: StoredTicket): StoredTicket[] {
    const list = this.list();
    const i = list.findIndex((x) => x.ticketId === t.ticketId);
    if (i >= 0) list[i] = { ...list[i], ...t };
    else list.unshift(t);
    const kept = list.sort((a, b) => b.createdAt - a.createdAt).slice(0, MAX_REMEMBERED_TICKETS);
    writeJson(this.store, ticketsKey(this.customerKey), kept);
    return kept;
  }

  /** Records what the bridge said about a ticket. */
  applyStatus(ticketId: string, s: TicketStatus, now: number = Date.now()): StoredTicket[] {
    const cur = this.get(ticketId);
    if (!cur) return this.list();
    return this.upsert({
      ...cur,
      state: s.ticket.state,
      lastError: s.lastError,
      checkedAt: now,
      ...(s.case.id ? { caseId: s.case.id } : {}),
      ...(s.case.caseNumber ? { caseNumber: s.case.caseNumber } : {}),
      ...(s.channel.url ? { channelUrl: s.channel.url } : {}),
    });
  }

  markNotFound(ticketId: string, now: number = Date.now()): StoredTicket[] {
    const cur = this.get(ticketId);
    return cur ? this.upsert({ ...cur, state: 'not_found', checkedAt: now }) : this.list();
  }
}

/** Words for a ticket state, as the customer reads them. */
export function describeState(state: StoredTicket['state']): string {
  switch (state) {
    case 'completed':
    case 'channel_ready':
      return 'Open';
    case 'failed':
      return 'Could not be created';
    case 'not_found':
      return 'Not found';
    case undefined:
      return 'Unknown';
    default:
      return 'Being set up';
  }
}
