/**
 * What a support channel's entry in the agent's conversation list says, from the channel data
 * contract (channel-data.ts) and the channel's latest user message. Pure and browser-safe: the
 * sandbox chat pane and the UIKit channel preview both render from it, so the two lists agree.
 */
import { parseSupportChannelData, type SupportChannelData } from './channel-data.js';

/** A Salesforce User Id (key prefix 005), 15 or 18 characters: how agents are named in Sendbird. */
const SALESFORCE_USER_ID = /^005[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$/;

export interface SupportChannelInput {
  channelUrl: string;
  /** The channel's `name` (the bridge sets "Case <number>"). */
  name: string;
  /** The channel's `data` string. */
  data: string;
  /** When the channel was made (epoch ms): a Case with no message yet waits since then. */
  createdAt: number;
  /**
   * The channel's latest user message (MESG or FILE; admin messages are not answers): null when
   * it has none, undefined when the caller cannot know (the latest message is an admin message and
   * the ones before it are not at hand).
   */
  lastUserMessage: { senderId: string; createdAt: number } | null | undefined;
}

export interface SupportChannelEntry {
  /** The Case's subject, or "Case <number>" without one. */
  title: string;
  caseNumber?: string;
  customerName?: string;
  status?: string;
  closed: boolean;
  /**
   * Epoch ms since when the customer waits for an answer: their latest message when no agent has
   * written since, or the channel's creation when nobody has written yet. Absent when an agent
   * wrote last, when the Case is closed, or when it cannot be known.
   */
  waitingSince?: number;
}

/** The list refreshes "waiting N min" this often. */
export const WAITING_REFRESH_MS = 60_000;

/** Whether `senderId` is one of the agents: anyone but the customer (a Salesforce User Id on old channels). */
export function isAgentSender(senderId: string, data: SupportChannelData): boolean {
  return data.customerId ? senderId !== data.customerId : SALESFORCE_USER_ID.test(senderId);
}

export function describeSupportChannel(input: SupportChannelInput): SupportChannelEntry {
  const data = parseSupportChannelData(input.data);
  const caseNumber = data.caseNumber;
  const title = data.subject ?? (caseNumber ? `Case ${caseNumber}` : input.name || input.channelUrl);
  const closed = data.closed === true;
  const entry: SupportChannelEntry = { title, closed };
  if (caseNumber) entry.caseNumber = caseNumber;
  if (data.customerName) entry.customerName = data.customerName;
  if (data.status) entry.status = data.status;
  if (!closed) {
    const last = input.lastUserMessage;
    if (last === null) entry.waitingSince = input.createdAt;
    else if (last && !isAgentSender(last.senderId, data)) entry.waitingSince = last.createdAt;
  }
  return entry;
}

function parts(since: number, now: number): { d: number; h: number; min: number } {
  const minutes = Math.max(0, Math.floor((now - since) / 60_000));
  return { d: Math.floor(minutes / 1440), h: Math.floor((minutes % 1440) / 60), min: minutes % 60 };
}

/** "waiting 12 min", "waiting 1 h 5 min", "waiting 2 d 3 h"; "waiting <1 min" in the first minute. */
export function waitingText(since: number, now: number): string {
  const { d, h, min } = parts(since, now);
  if (d > 0) return `waiting ${d} d${h ? ` ${h} h` : ''}`;
  if (h > 0) return `waiting ${h} h${min ? ` ${min} min` : ''}`;
  return min > 0 ? `waiting ${min} min` : 'waiting <1 min';
}

/** The same, worded for a screen reader: "waiting 12 minutes", "waiting less than a minute". */
export function waitingSpoken(since: number, now: number): string {
  const { d, h, min } = parts(since, now);
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (d > 0) return `waiting ${unit(d, 'day')}${h ? ` ${unit(h, 'hour')}` : ''}`;
  if (h > 0) return `waiting ${unit(h, 'hour')}${min ? ` ${unit(min, 'minute')}` : ''}`;
  return min > 0 ? `waiting ${unit(min, 'minute')}` : 'waiting less than a minute';
}

/**
 * The entry's accessible name: what a sighted agent takes in at a glance, in reading order, e.g.
 * "Cannot log in, Dana, New, waiting 12 minutes, 2 unread messages".
 */
export function supportChannelLabel(entry: SupportChannelEntry, unread: number, now: number): string {
  const bits = [entry.title];
  if (entry.customerName) bits.push(entry.customerName);
  if (entry.status) bits.push(entry.status);
  if (entry.waitingSince !== undefined) bits.push(waitingSpoken(entry.waitingSince, now));
  if (unread > 0) bits.push(`${unread} unread message${unread === 1 ? '' : 's'}`);
  return bits.join(', ');
}
