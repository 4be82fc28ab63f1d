/** Test doubles for the LCC link: a port that records what the container sends, and a clock. */
import type { LccContainerMessage } from '@sbsf/wire';
import type { LccPort, Scheduler } from '../src/lcc/panel-link.js';

export class FakePort implements LccPort {
  sent: LccContainerMessage[] = [];
  subscriptions = 0;
  private onMessage: ((message: unknown) => void) | undefined;
  private onError: ((description: string) => void) | undefined;

  send(message: LccContainerMessage): void {
    this.sent.push(message);
  }

  subscribe(onMessage: (message: unknown) => void, onError: (description: string) => void): () => void {
    this.subscriptions += 1;
    this.onMessage = onMessage;
    this.onError = onError;
    return () => {
      this.subscriptions -= 1;
      this.onMessage = undefined;
      this.onError = undefined;
    };
  }

  /** What Aura's `component.find('SendBird_Bar').message(...)` delivers. */
  deliver(message: unknown): void {
    this.onMessage?.(message);
  }

  fail(description: string): void {
    this.onError?.(description);
  }

  count(predicate: (m: LccContainerMessage) => boolean): number {
    return this.sent.filter(predicate).length;
  }
}

export const isReady = (m: LccContainerMessage): boolean => m === 'READY';
export const isEvent =
  (event: string) =>
  (m: LccContainerMessage): boolean =>
    typeof m === 'object' && m.event === event;

/** A manual clock: timers fire only when the test advances time. */
export class FakeScheduler implements Scheduler {
  private time = 0;
  private nextId = 1;
  private timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  get pending(): number {
    return this.timers.size;
  }

  /** Moves the clock forward, firing due timers in time order (including ones they schedule). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.time = next[1].at;
      next[1].fn();
    }
    this.time = end;
  }
}

export const SESSION = {
  userId: '005EM0000000002YAA',
  nickname: 'Ava Agent',
  accessToken: 'token-1',
  appId: 'APP-1',
  expiresAt: 1_900_000_000_000,
};
