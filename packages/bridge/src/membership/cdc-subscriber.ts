/**
 * Follows Case changes through Change Data Capture (CASE_EVENTS=cdc): one Subscribe stream to the
 * change-event channel, held by one bridge instance at a time.
 *
 * - **One subscriber**: the instance that holds the channel's lease in the store subscribes and
 *   renews the lease every third of CDC_LEASE_MS; the others wait and try again. An instance that
 *   dies lets go when its lease runs out; the next resumes from the stored replay id, so nothing
 *   committed to the stream is lost (a batch replayed twice only queues reconciles that find
 *   nothing to do). A holder that lost its lease stops and writes nothing more.
 * - **Flow control**: CDC_FETCH_SIZE events are asked for; more once half are handled.
 * - **Per batch of events** (one FetchResponse): decode (schema fetched once per schema id),
 *   plan (cdc-events.ts), keep only chat Cases, then queue the reconciles and the Case-status job
 *   and store the batch's replay id in one transaction. A keepalive (no events) stores the
 *   stream's latest replay id, so a quiet channel's replay id stays inside the retention window.
 * - **Where it starts**: after the stored replay id (ReplayPreset CUSTOM); with none (first start,
 *   or after Salesforce no longer had it) at the tip (LATEST), followed by a sweep of every open
 *   chat Case, which covers whatever changed before.
 * - **Failures**: a replay id Salesforce no longer has (`...replayid.corrupted`, e.g. older than
 *   the 72-hour retention) is written to the ledger (`cdc.replay_expired`) and the metrics, and
 *   the stream starts again at the tip with a sweep; a refused session logs in again; anything
 *   else (the stream reset, the service unavailable, the store down) is retried with backoff.
 */
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { backoffDelayMs } from '@sbsf/retry';
import { PUBSUB_ERROR, replayIdFromHex, replayIdToHex, type FetchRequest, type FetchResponse } from '@sbsf/salesforce/pubsub';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { NewLedgerEntry, ReconcileRequestOptions, Store } from '../store/types.js';
import { ChangeEventDecoder, planChanges, type CaseChange } from './cdc-events.js';
import { pubSubFailure, type PubSubConnection, type PubSubFailure } from './pubsub-connection.js';

export interface CdcSubscriberOptions {
  store: Store;
  connection: PubSubConnection;
  topic: string;
  fetchSize: number;
  leaseMs: number;
  /** This instance's name in the lease. */
  holder: string;
  reconcile: ReconcileRequestOptions;
  /** Queues a sweep of every open chat Case now. */
  sweepNow: (reason: string) => Promise<unknown>;
  logger: Logger;
  registry?: Registry;
  /** Backoff between failed attempts. */
  backoff?: { initialDelayMs: number; maxDelayMs: number };
}

/** The stream ended because this instance no longer holds the lease, or was told to stop. */
class StreamEnded extends Error {
  constructor(readonly why: 'lease_lost' | 'stopped') {
    super(`the change-event stream ended: ${why}`);
  }
}

function cdcMetrics(registry: Registry | undefined) {
  const registers = registry ? [registry] : [];
  return {
    events: new Counter({
      name: 'bridge_cdc_events_total',
      help: 'Change events read from the Pub/Sub API, by change type (UPDATE, CREATE, GAP_UPDATE, GAP_OVERFLOW...)',
      labelNames: ['change_type'] as const,
      registers,
    }),
    cases: new Counter({
      name: 'bridge_cdc_cases_total',
      help: 'Cases named by change events, by what was done: membership (reconcile queued), status (status job), not_chat (ignored)',
      labelNames: ['action'] as const,
      registers,
    }),
    replayExpired: new Counter({
      name: 'bridge_cdc_replay_expired_total',
      help: 'Times the stored replay id was no longer available and the sweep covered the gap',
      registers,
    }),
    streamErrors: new Counter({
      name: 'bridge_cdc_stream_errors_total',
      help: 'Subscribe streams that ended in an error, by Pub/Sub API error code (or gRPC status)',
      labelNames: ['code'] as const,
      registers,
    }),
    subscribed: new Gauge({
      name: 'bridge_cdc_subscribed',
      help: '1 while this instance holds the change-event subscription and its stream is open',
      registers,
    }),
  };
}

export class CdcSubscriber {
  private stopped = false;
  private running: Promise<void> | undefined;
  private stream: grpc.ClientDuplexStream<FetchRequest, FetchResponse> | undefined;
  private wake: (() => void) | undefined;
  private readonly decoder: ChangeEventDecoder;
  private readonly metrics: ReturnType<typeof cdcMetrics>;
  private readonly log: Logger;
  /** Waiting while another instance holds the lease (said once in the log, not at every try). */
  private standby = false;

  constructor(private readonly o: CdcSubscriberOptions) {
    this.decoder = new ChangeEventDecoder(async (id) => (await o.connection.getSchema(id)).schemaJson);
    this.metrics = cdcMetrics(o.registry);
    this.log = o.logger.child({ cdc: o.topic });
  }

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    this.stream?.cancel();
    await this.running;
    this.metrics.subscribed.set(0);
    await this.o.store.releaseCaseChanges(this.o.topic, this.o.holder).catch(() => false);
    this.o.connection.close();
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      let claim;
      try {
        claim = await this.o.store.claimCaseChanges(this.o.topic, this.o.holder, this.o.leaseMs);
      } catch (err) {
        this.log.warn({ err }, 'cdc: the subscription lease could not be read; trying again');
        await this.sleep(this.delay(++failures));
        continue;
      }
      if (!claim.held) {
        if (!this.standby) this.log.info({ holder: claim.holder }, 'cdc: another instance follows the change events');
        this.standby = true;
        await this.sleep(Math.max(1_000, Math.floor(this.o.leaseMs / 3)));
        continue;
      }
      if (claim.tookOverFrom) this.log.info({ from: claim.tookOverFrom }, 'cdc: took over the change-event subscription');
      try {
        await this.follow(claim.replayId);
        failures = 0;
      } catch (err) {
        if (err instanceof StreamEnded) {
          if (err.why === 'lease_lost') this.log.warn('cdc: lost the subscription lease; another instance may take over');
          continue;
        }
        const f = pubSubFailure(err);
        if (this.stopped) break;
        this.metrics.streamErrors.inc({ code: f.errorCode ?? grpc.status[f.code] ?? String(f.code) });
        if (f.errorCode === PUBSUB_ERROR.replayIdCorrupted) {
          await this.replayExpired(claim.replayId, f);
          continue;
        }
        if (f.code === grpc.status.UNAUTHENTICATED || f.errorCode === PUBSUB_ERROR.authError) this.o.connection.sessionRefused();
        const wait = this.delay(++failures);
        const fix = setupFix(f, this.o.topic);
        const detail = { code: grpc.status[f.code], errorCode: f.errorCode, message: f.message, retryInMs: wait };
        if (fix) this.log.error({ ...detail, fix }, 'cdc: the org refuses the change-event subscription');
        else this.log.warn(detail, 'cdc: the stream ended');
        await this.sleep(wait);
      } finally {
        this.metrics.subscribed.set(0);
      }
    }
  }

  /** Forgets the replay id (ledger and metrics say so): the next stream starts at the tip, with a sweep. */
  private async replayExpired(replayId: string | null, f: PubSubFailure): Promise<void> {
    this.metrics.replayExpired.inc();
    this.log.warn(
      { replayId, message: f.message },
      'cdc: Salesforce no longer has the stored replay id; starting at the tip, with a sweep',
    );
    const entry: NewLedgerEntry = {
      caseId: null,
      system: 'salesforce',
      action: 'cdc.replay_expired',
      target: this.o.topic,
      outcome: 'error',
      detail: { replayId, code: f.errorCode ?? null, message: f.message, then: 'LATEST and a sweep' },
    };
    try {
      await this.o.store.recordCaseChanges({
        topic: this.o.topic,
        holder: this.o.holder,
        replayId: null,
        membershipCaseIds: [],
        statusCaseIds: [],
        reconcile: this.o.reconcile,
        ledger: [entry],
      });
    } catch (err) {
      this.log.warn({ err }, 'cdc: could not forget the replay id; trying again');
      await this.sleep(this.delay(1));
    }
  }

  /** One Subscribe stream, until it ends; throws why. */
  private async follow(replayHex: string | null): Promise<void> {
    const { topic, fetchSize, leaseMs } = this.o;
    const stream = this.o.connection.subscribe();
    this.stream = stream;
    // The stream may end with an error before anyone reads it; the iterator below rethrows it.
    stream.on('error', () => {});
    let leaseLost = false;
    const renew = setInterval(
      () => {
        this.o.store.renewCaseChanges(topic, this.o.holder, leaseMs).then(
          (held) => {
            if (!held) {
              leaseLost = true;
              stream.cancel();
            }
          },
          (err: unknown) => this.log.warn({ err }, 'cdc: could not renew the subscription lease'),
        );
      },
      Math.max(500, Math.floor(leaseMs / 3)),
    );
    try {
      const first: FetchRequest =
        replayHex === null
          ? { topicName: topic, replayPreset: 'LATEST', numRequested: fetchSize }
          : { topicName: topic, replayPreset: 'CUSTOM', replayId: replayIdFromHex(replayHex), numRequested: fetchSize };
      stream.write(first);
      this.standby = false;
      this.metrics.subscribed.set(1);
      this.log.info({ from: replayHex ?? 'LATEST' }, 'cdc: subscribed to the change events');
      if (replayHex === null) await this.o.sweepNow('cdc.start');
      let pending = fetchSize;
      for await (const res of stream as AsyncIterable<FetchResponse>) {
        if (this.stopped) throw new StreamEnded('stopped');
        const held = await this.handle(res);
        if (!held) throw new StreamEnded('lease_lost');
        pending -= res.events.length;
        if (pending <= fetchSize / 2) {
          stream.write({ numRequested: fetchSize - pending });
          pending = fetchSize;
        }
      }
      if (this.stopped) throw new StreamEnded('stopped');
      if (leaseLost) throw new StreamEnded('lease_lost');
      throw Object.assign(new Error('the Pub/Sub API ended the stream'), { code: grpc.status.UNAVAILABLE });
    } catch (err) {
      if (this.stopped) throw new StreamEnded('stopped');
      if (leaseLost) throw new StreamEnded('lease_lost');
      throw err;
    } finally {
      clearInterval(renew);
      this.stream = undefined;
      stream.cancel();
    }
  }

  /** Records one FetchResponse; false when the lease was lost (nothing recorded). */
  private async handle(res: FetchResponse): Promise<boolean> {
    const { store, topic, holder, reconcile } = this.o;
    if (res.events.length === 0) {
      if (res.latestReplayId.length === 0) return true;
      const kept = await store.recordCaseChanges({
        topic,
        holder,
        replayId: replayIdToHex(res.latestReplayId),
        membershipCaseIds: [],
        statusCaseIds: [],
        reconcile,
      });
      return kept.held;
    }
    const changes: CaseChange[] = [];
    for (const e of res.events) changes.push(await this.decoder.decode(e));
    const plan = planChanges(changes);
    for (const [type, n] of Object.entries(plan.byType)) this.metrics.events.inc({ change_type: type }, n);
    const candidates = [...new Set([...plan.membership, ...plan.status])];
    const known = new Set([...(await store.knownChatCases(candidates)), ...plan.chat]);
    const membership = plan.membership.filter((id) => known.has(id));
    const status = plan.status.filter((id) => known.has(id));
    const ledger: NewLedgerEntry[] = plan.overflow
      ? [{ caseId: null, system: 'salesforce', action: 'cdc.overflow', target: topic, outcome: 'ok', detail: { then: 'a sweep' } }]
      : [];
    const last = res.events[res.events.length - 1]!;
    const result = await store.recordCaseChanges({
      topic,
      holder,
      replayId: replayIdToHex(last.replayId),
      membershipCaseIds: membership,
      statusCaseIds: status,
      reconcile,
      ledger,
    });
    if (!result.held) return false;
    this.metrics.cases.inc({ action: 'membership' }, membership.length);
    this.metrics.cases.inc({ action: 'status' }, status.length);
    this.metrics.cases.inc({ action: 'not_chat' }, candidates.filter((id) => !known.has(id)).length);
    if (plan.overflow) await this.o.sweepNow('cdc.overflow');
    this.log.debug({ events: res.events.length, membership: membership.length, status: status.length }, 'cdc: batch recorded');
    return true;
  }

  private delay(attempt: number): number {
    const b = this.o.backoff ?? { initialDelayMs: 1_000, maxDelayMs: 60_000 };
    return backoffDelayMs(attempt, { ...b, jitter: 'equal' });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }
}

/**
 * What an admin must fix when the org refuses the subscription itself (a retry alone will not
 * help); undefined for a failure that passes.
 */
export function setupFix(f: PubSubFailure, topic: string): string | undefined {
  if (f.code === grpc.status.NOT_FOUND || f.errorCode === PUBSUB_ERROR.topicNotFound || f.errorCode === PUBSUB_ERROR.invalidTopic) {
    return `${topic} does not exist in the org: select Case in Setup > Integrations > Change Data Capture (or create the custom channel SALESFORCE_CDC_TOPIC names)`;
  }
  if (f.code === grpc.status.PERMISSION_DENIED) {
    return `the integration user may not read ${topic}: give it View All on Case (or View All Data) and read access to OwnerId, Status and Sendbird_Ticket_Id__c`;
  }
  return undefined;
}

/** A holder name for a process without a job runner. */
export const cdcHolderName = (): string => `cdc:${process.pid}:${randomUUID().slice(0, 8)}`;
