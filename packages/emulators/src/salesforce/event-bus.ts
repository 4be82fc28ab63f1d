/**
 * The platform-event bus of `Sendbird_Case_Event__e` and its one subscriber, the trigger
 * `SendbirdCaseEvents` (after insert) -> `SendbirdCaseEventTriggerHandler`, running as the
 * integration user named in the PlatformEventSubscriberConfig `SendbirdCaseEventsConfig`.
 *
 * - A committed transaction's events join the bus in publish order (`publish`); nothing else does
 *   (PublishAfterCommit).
 * - The subscriber runs asynchronously after the commit, one batch at a time, in publish order.
 *   Each run takes whatever is waiting, up to `batchSize` (the config's batch size, 200), so events
 *   of several transactions that committed before it ran share a batch, and a transaction of more
 *   than `batchSize` events spans batches.
 * - A batch becomes the wire JSON `{"events":[...]}` (exact duplicates within the batch dropped:
 *   same keys except occurredAt) and enqueues ONE `SendbirdCallOuts` Queueable, which makes ONE
 *   callout (bridge-delivery.ts; retries through its finalizer).
 *
 * Counters: transactions that published, EventBus.publish calls (DML statements of the users'
 * transactions, and the most in one transaction), events published, subscriber batches,
 * duplicates dropped, and (from the delivery) Queueables and callouts. The last PUBLISHED_LOG_SIZE
 * events published are kept as the platform-event records they are (`published()`).
 */
import type { BridgeDelivery } from './bridge-delivery.js';
import { SUBSCRIBER_BATCH_SIZE, validateBatchSize } from './subscriber-batch.js';
import { dedupeBatch, type CaseEventMessage } from './triggers.js';

/** Platform events kept for `published()` (oldest dropped first). */
export const PUBLISHED_LOG_SIZE = 1000;

export interface EventBusStats {
  /** User transactions that published at least one event. */
  transactions: number;
  /** EventBus.publish calls in those transactions: one per trigger chunk with an event. */
  publishCalls: number;
  /** The most EventBus.publish calls one transaction made (each is a DML statement; the limit is 150). */
  maxPublishCallsPerTransaction: number;
  /** Sendbird_Case_Event__e messages published. */
  eventsPublished: number;
  /** Runs of the subscriber trigger (each one batch). */
  subscriberBatches: number;
  /** Events the subscriber dropped as exact duplicates of an earlier one in its batch. */
  duplicatesDropped: number;
  /** SendbirdCallOuts jobs enqueued: one per batch, plus the finalizer's retries. */
  queueables: number;
  /** Callouts to the bridge those jobs made. */
  callouts: number;
  /** Events published and not yet taken by the subscriber. */
  waiting: number;
}

const ZERO = {
  transactions: 0,
  publishCalls: 0,
  maxPublishCallsPerTransaction: 0,
  eventsPublished: 0,
  subscriberBatches: 0,
  duplicatesDropped: 0,
};

export class CaseEventBus {
  private readonly waiting: CaseEventMessage[] = [];
  private readonly log: CaseEventMessage[] = [];
  private counts = { ...ZERO };
  /** The subscriber's run in progress (or scheduled), if any. */
  private running: Promise<void> | null = null;
  private closed = false;
  private readonly batchSize: number;

  constructor(
    private readonly delivery: BridgeDelivery,
    batchSize: number = SUBSCRIBER_BATCH_SIZE,
  ) {
    this.batchSize = validateBatchSize(batchSize);
  }

  /** A committed transaction's events, in the order its EventBus.publish calls made them. */
  publish(messages: readonly CaseEventMessage[], publishCalls: number): void {
    if (messages.length === 0) return;
    this.counts.transactions++;
    this.counts.publishCalls += publishCalls;
    this.counts.maxPublishCallsPerTransaction = Math.max(this.counts.maxPublishCallsPerTransaction, publishCalls);
    this.counts.eventsPublished += messages.length;
    this.waiting.push(...messages);
    this.log.push(...messages);
    if (this.log.length > PUBLISHED_LOG_SIZE) this.log.splice(0, this.log.length - PUBLISHED_LOG_SIZE);
    if (!this.running && !this.closed) this.running = this.subscribe().finally(() => (this.running = null));
  }

  private async subscribe(): Promise<void> {
    for (;;) {
      // The subscriber runs in its own transaction, after the publisher's commit: never inside it.
      await new Promise<void>((r) => setImmediate(r));
      if (this.closed || this.waiting.length === 0) return;
      const batch = this.waiting.splice(0, this.batchSize);
      this.counts.subscriberBatches++;
      const { events, duplicates } = dedupeBatch(batch);
      this.counts.duplicatesDropped += duplicates;
      this.delivery.send(events, duplicates);
    }
  }

  stats(): EventBusStats {
    return { ...this.counts, ...this.delivery.counters(), waiting: this.waiting.length };
  }

  /** The last events published, oldest first, as Sendbird_Case_Event__e records. */
  published(): CaseEventMessage[] {
    return this.log.map((m) => ({ ...m }));
  }

  /** Zeroes the counters and forgets the published events. */
  resetStats(): void {
    this.counts = { ...ZERO };
    this.log.length = 0;
    this.delivery.resetCounters();
  }

  /** Resolves when the subscriber has taken every event and every job it enqueued has finished. */
  async idle(): Promise<void> {
    while (this.running || this.waiting.length > 0) {
      if (this.closed) return;
      await (this.running ?? new Promise<void>((r) => setImmediate(r)));
    }
    await this.delivery.idle();
  }

  close(): void {
    this.closed = true;
    this.waiting.length = 0;
    this.delivery.close();
  }
}
