/**
 * Which work a Sendbird call is for, so the pacing of the rate-capped endpoints (scheduler.ts)
 * serves a waiting customer before a background sweep. Set once where the work starts
 * (`withSendbirdPriority`), read by the client when it schedules a capped call: nothing is
 * threaded through the call sites in between. AsyncLocalStorage follows the work across every
 * `await`, timer and promise it starts.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The classes, highest first:
 * - `ticket`: a new ticket's channel and its first messages (a customer waits on the HTTP answer);
 * - `membership_waiting`: putting the first agent into a Case's channel (the customer has none yet);
 * - `membership`: other membership changes (hand-overs, agents leaving); also any call made
 *   outside a priority context;
 * - `catchup`: transcript catch-up;
 * - `sweep`: the periodic sweep's reconciles.
 */
export const PRIORITY_CLASSES = ['ticket', 'membership_waiting', 'membership', 'catchup', 'sweep'] as const;
export type PriorityClass = (typeof PRIORITY_CLASSES)[number];

/** The class of a call made outside any `withSendbirdPriority`. */
export const DEFAULT_PRIORITY_CLASS: PriorityClass = 'membership';

export interface SendbirdPriority {
  class: PriorityClass;
  /**
   * Whose work it is (a Case Id, a ticket id): calls of one class take turns between keys, so
   * one bulk change of many Cases does not starve a single Case. Default: the call's channel URL
   * (or user id).
   */
  key?: string;
}

const storage = new AsyncLocalStorage<SendbirdPriority>();

/** Runs `fn` with every Sendbird call it makes (directly or later, in the work it starts) in the class `priority`. */
export function withSendbirdPriority<T>(priority: SendbirdPriority, fn: () => T): T {
  return storage.run(priority, fn);
}

/** The priority the current work runs under, if any was set. */
export function currentSendbirdPriority(): SendbirdPriority | undefined {
  return storage.getStore();
}

export function isPriorityClass(v: unknown): v is PriorityClass {
  return typeof v === 'string' && (PRIORITY_CLASSES as readonly string[]).includes(v);
}
