/**
 * One Subscribe stream (Pub/Sub API, "Subscribe RPC Method" and "Pull Subscription and Flow
 * Control"):
 * - The first FetchRequest names the topic and the start: LATEST (the default: events published
 *   after the subscription starts), EARLIEST (every event still in the bus), or CUSTOM (events
 *   after `replayId`; an id no longer in the bus, or never issued, is INVALID_ARGUMENT with
 *   `sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted`). Later FetchRequests may
 *   omit the topic; a different one is INVALID_ARGUMENT. Their replay options are ignored.
 * - Flow control: `num_requested` adds to the events still owed; what is owed never exceeds 100
 *   ("the server considers the number of requested events to be 100"). The server never sends an
 *   event that is not owed. Each FetchResponse says how many are still owed.
 * - Keepalive: while events are owed and none is available, an empty FetchResponse with the
 *   latest replay id is sent every `keepaliveMs` (Salesforce: within 270 s). Its replay id may be
 *   past the last event delivered (the bus is shared), which is what Salesforce documents too.
 * - The session is checked before every response: once its token is no longer valid (expired,
 *   or invalidated) the stream ends with UNAUTHENTICATED and
 *   `sfdc.platform.eventbus.grpc.service.auth.error`. `auth_refresh` in a FetchRequest hands the
 *   stream a new token.
 */
import * as grpc from '@grpc/grpc-js';
import { PUBSUB_ERROR, positionOf, replayIdOf, type FetchRequest, type FetchResponse } from '@sbsf/salesforce/pubsub';
import { Sleeps } from '../../common/sleeps.js';
import { newRpcId, pubSubError, type PubSubServiceError } from './errors.js';
import type { EventLog } from './event-log.js';

/** The most events a subscription may have requested and not yet received. */
export const MAX_NUM_REQUESTED = 100;

/** What Salesforce answers for an auth_refresh token it does not accept (an error code seen in clients; see the docs). */
export const AUTH_REFRESH_INVALID = 'sfdc.platform.eventbus.grpc.service.auth.refresh.invalid';

export interface SubscriptionHost {
  log: EventLog;
  /** Whether `topic` is a topic this org serves (a selected change-event channel). */
  hasTopic(topic: string): boolean;
  /** The user of a token that is still valid, else undefined. */
  userOf(token: string): string | undefined;
  /** The NOT_FOUND error of an unknown topic. */
  topicNotFound(topic: string, rpcId: string): PubSubServiceError;
  keepaliveMs: number;
  /** Delay before each event (the slow-delivery fault), ms. */
  deliveryDelayMs(): number;
  delivered(n: number): void;
  closed(sub: Subscription): void;
}

export interface SubscriptionInfo {
  id: number;
  topic: string | null;
  userId: string;
  delivered: number;
  pendingNumRequested: number;
}

type Call = grpc.ServerDuplexStream<FetchRequest, FetchResponse>;

export class Subscription {
  topic: string | null = null;
  delivered = 0;
  private pending = 0;
  private cursor = 0n;
  private done = false;
  private sending = false;
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => void) | undefined;
  private readonly sleeps = new Sleeps();

  constructor(
    readonly id: number,
    private readonly call: Call,
    private readonly host: SubscriptionHost,
    private token: string,
    readonly userId: string,
  ) {
    call.on('data', (req: FetchRequest) => this.onRequest(req));
    call.on('end', () => this.finish());
    call.on('cancelled', () => this.dispose());
    call.on('error', () => this.dispose());
    call.on('close', () => this.dispose());
  }

  info(): SubscriptionInfo {
    return { id: this.id, topic: this.topic, userId: this.userId, delivered: this.delivered, pendingNumRequested: this.pending };
  }

  /** Ends the stream with `err` (a fault, an expired session, the server closing). */
  fail(err: PubSubServiceError): void {
    if (this.done) return;
    this.dispose();
    this.call.emit('error', err);
  }

  /** Ends the stream if its session is no longer valid. */
  checkAuth(): boolean {
    if (this.host.userOf(this.token) !== undefined) return true;
    this.fail(
      pubSubError(
        grpc.status.UNAUTHENTICATED,
        'The session is no longer valid: authenticate again and resubscribe.',
        PUBSUB_ERROR.authError,
      ),
    );
    return false;
  }

  private onRequest(req: FetchRequest): void {
    if (this.done) return;
    if (req.authRefresh) {
      if (this.host.userOf(req.authRefresh) === undefined) {
        this.fail(pubSubError(grpc.status.UNAUTHENTICATED, 'The access token in auth_refresh is not valid.', AUTH_REFRESH_INVALID));
        return;
      }
      this.token = req.authRefresh;
    }
    if (!this.checkAuth()) return;
    const n = req.numRequested ?? 0;
    if (!Number.isInteger(n) || n < 0) {
      this.fail(pubSubError(grpc.status.INVALID_ARGUMENT, `num_requested must be a positive number, not ${n}.`));
      return;
    }
    if (this.topic === null) {
      if (!this.start(req)) return;
    } else if (req.topicName && req.topicName !== this.topic) {
      this.fail(
        pubSubError(
          grpc.status.INVALID_ARGUMENT,
          `The topic of a subscription cannot change: this stream subscribes to ${this.topic}, not ${req.topicName}.`,
          PUBSUB_ERROR.invalidTopic,
        ),
      );
      return;
    }
    this.pending = Math.min(MAX_NUM_REQUESTED, this.pending + n);
    void this.pump();
  }

  /** The first FetchRequest: topic and start position. */
  private start(req: FetchRequest): boolean {
    const topic = req.topicName ?? '';
    if (!topic) {
      this.fail(
        pubSubError(grpc.status.INVALID_ARGUMENT, 'The first FetchRequest of a subscription must name a topic.', PUBSUB_ERROR.invalidTopic),
      );
      return false;
    }
    if (!this.host.hasTopic(topic)) {
      this.fail(this.host.topicNotFound(topic, newRpcId()));
      return false;
    }
    const log = this.host.log;
    switch (req.replayPreset ?? 'LATEST') {
      case 'EARLIEST':
        this.cursor = log.purgedThrough();
        break;
      case 'CUSTOM': {
        const position = req.replayId ? positionOf(req.replayId) : undefined;
        if (position === undefined || !log.isValidPosition(position)) {
          this.fail(pubSubError(grpc.status.INVALID_ARGUMENT, 'The Replay ID validation failed.', PUBSUB_ERROR.replayIdCorrupted));
          return false;
        }
        this.cursor = position;
        break;
      }
      default:
        this.cursor = log.latest();
    }
    this.topic = topic;
    this.unlisten = log.onAppend(() => void this.pump());
    this.arm();
    return true;
  }

  /** Sends what is owed and available, in order. */
  private async pump(): Promise<void> {
    if (this.sending || this.done || this.topic === null) return;
    this.sending = true;
    try {
      while (!this.done && this.pending > 0) {
        const delay = this.host.deliveryDelayMs();
        const events = this.host.log.after(this.topic, this.cursor, delay > 0 ? 1 : this.pending);
        if (events.length === 0) break;
        if (delay > 0) await this.sleeps.sleep(delay);
        if (this.done || !this.checkAuth()) return;
        const last = events.at(-1)!;
        this.cursor = last.position;
        this.pending -= events.length;
        this.delivered += events.length;
        this.host.delivered(events.length);
        this.send({
          events: events.map((e) => ({
            event: { id: e.id, schemaId: e.schemaId, payload: e.payload, headers: [] },
            replayId: replayIdOf(e.position),
          })),
          latestReplayId: replayIdOf(last.position),
          rpcId: newRpcId(),
          pendingNumRequested: this.pending,
        });
      }
    } finally {
      this.sending = false;
    }
  }

  private send(res: FetchResponse): void {
    this.call.write(res);
    this.arm();
  }

  /** (Re)starts the keepalive clock. */
  private arm(): void {
    clearTimeout(this.timer);
    if (this.done) return;
    this.timer = setTimeout(() => this.keepalive(), this.host.keepaliveMs);
    this.timer.unref();
  }

  private keepalive(): void {
    if (this.done || this.topic === null) return;
    if (!this.checkAuth()) return;
    if (this.pending > 0 && !this.sending && this.host.log.after(this.topic, this.cursor, 1).length === 0) {
      // Nothing of this topic lies between the cursor and the newest event: the latest position is a safe replay id.
      const latest = this.host.log.latest();
      if (latest > this.cursor) this.cursor = latest;
      this.send({ events: [], latestReplayId: replayIdOf(this.cursor), rpcId: newRpcId(), pendingNumRequested: this.pending });
      return;
    }
    this.arm();
  }

  /** The client half-closed: the subscription ends. */
  private finish(): void {
    if (this.done) return;
    this.dispose();
    this.call.end();
  }

  private dispose(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.unlisten?.();
    this.sleeps.wakeAll();
    this.host.closed(this);
  }
}
