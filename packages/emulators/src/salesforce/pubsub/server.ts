/**
 * The org's Pub/Sub API endpoint: Salesforce's `eventbus.v1.PubSub` service (the vendored
 * pubsub_api.proto) over gRPC with TLS only, as api.pubsub.salesforce.com:7443 is. The
 * certificate is self-signed for `localhost` and `127.0.0.1`, made at start; its key never leaves
 * memory, and the certificate (`caPem`) is what a client trusts.
 *
 * Every call authenticates with the metadata Salesforce documents: `accesstoken` (a token the
 * emulator's OAuth issued and still valid), `instanceurl`, `tenantid` (the org id, 15 or 18
 * characters). Anything else is UNAUTHENTICATED with `sfdc.platform.eventbus.grpc.service.auth.error`.
 *
 * Served: GetTopic and GetSchema for the change-event channels of the objects selected for Change
 * Data Capture; Subscribe (subscription.ts); Publish and PublishStream refuse those channels (they
 * are Salesforce's to publish); ManagedSubscribe (beta, configured through the Tooling API) is
 * UNIMPLEMENTED. Faults: reset every open stream, refuse new subscriptions for a while, delay
 * each event.
 */
import * as grpc from '@grpc/grpc-js';
import { generate } from 'selfsigned';
import { PUBSUB_ERROR, pubSubPackage, type FetchRequest, type FetchResponse } from '@sbsf/salesforce/pubsub';
import { to18 } from '@sbsf/salesforce';
import type { ChangeEventSchema } from './cdc.js';
import { newRpcId, pubSubError, type PubSubServiceError } from './errors.js';
import type { EventLog } from './event-log.js';
import { Subscription, type SubscriptionInfo } from './subscription.js';

/** Salesforce sends a keepalive within 270 s when events are owed and none is available. */
export const PUBSUB_KEEPALIVE_MS = 270_000;

export interface PubSubListenOptions {
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Port; default 0 (any free one). */
  port?: number;
}

export interface PubSubFaultSettings {
  /** Refuse new Subscribe calls with UNAVAILABLE: the next `times` ones, and/or until `forMs` (emulator clock) has passed. */
  refuseSubscriptions?: { times?: number; forMs?: number };
  /** Wait this long before delivering each event (ms). */
  deliveryDelayMs?: number;
}

export interface PubSubFaultState {
  refuseSubscriptions: { times: number; until: number | null };
  deliveryDelayMs: number;
  /** How often each fault fired since the emulator started (or the faults were reset). */
  fired: { streamsReset: number; subscriptionsRefused: number };
}

export interface PubSubStats {
  /** Events published per topic. */
  published: Record<string, number>;
  /** Events delivered to subscribers (what the CDC delivery allocation counts). */
  delivered: number;
  openSubscriptions: number;
  subscriptions: SubscriptionInfo[];
}

export interface PubSubDeps {
  log: EventLog;
  /** Selected change-event channels by topic name. */
  schemas: () => Map<string, ChangeEventSchema>;
  /** The user of a valid token, else undefined. */
  userOf: (token: string) => string | undefined;
  orgId: string;
  now: () => number;
  keepaliveMs?: number;
}

interface AuthOk {
  token: string;
  userId: string;
}

function isUrl(s: string): boolean {
  try {
    new URL(s);
    return true;
  } catch {
    return false;
  }
}

export class PubSubServer {
  private server: grpc.Server | null = null;
  private readonly subscriptions = new Set<Subscription>();
  private nextId = 0;
  private deliveredCount = 0;
  private faults: PubSubFaultState = {
    refuseSubscriptions: { times: 0, until: null },
    deliveryDelayMs: 0,
    fired: { streamsReset: 0, subscriptionsRefused: 0 },
  };
  endpoint = '';
  caPem = '';

  constructor(private readonly deps: PubSubDeps) {}

  async listen(opts: PubSubListenOptions = {}): Promise<{ endpoint: string; caPem: string }> {
    const host = opts.host ?? '127.0.0.1';
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notAfterDate: new Date(Date.now() + 365 * 24 * 60 * 60 * 1000),
      extensions: [
        { name: 'basicConstraints', cA: true },
        { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: 'localhost' },
            { type: 7, ip: '127.0.0.1' },
          ],
        },
      ],
    });
    const server = new grpc.Server();
    server.addService(pubSubPackage().PubSub.service, this.handlers());
    const credentials = grpc.ServerCredentials.createSsl(
      null,
      [{ cert_chain: Buffer.from(pems.cert), private_key: Buffer.from(pems.private) }],
      false,
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${opts.port ?? 0}`, credentials, (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    this.server = server;
    // The certificate names localhost: a client that connects to that name checks it without the
    // TLS server name being an IP address (which Node warns about, RFC 6066).
    const shown = ['127.0.0.1', '0.0.0.0', '::', '::1', 'localhost'].includes(host) ? 'localhost' : host;
    this.endpoint = `${shown}:${port}`;
    this.caPem = pems.cert;
    return { endpoint: this.endpoint, caPem: this.caPem };
  }

  /** Ends every stream and stops the server at once. */
  async close(): Promise<void> {
    for (const s of [...this.subscriptions])
      s.fail(pubSubError(grpc.status.UNAVAILABLE, 'The Pub/Sub API service is shutting down.', PUBSUB_ERROR.serviceUnavailable));
    const server = this.server;
    this.server = null;
    server?.forceShutdown();
  }

  /** The fault: every open stream ends with UNAVAILABLE "RST_STREAM closed stream" (a transient network error). */
  resetStreams(): number {
    const open = [...this.subscriptions];
    for (const s of open) s.fail(pubSubError(grpc.status.UNAVAILABLE, 'RST_STREAM closed stream.'));
    this.faults.fired.streamsReset += open.length;
    return open.length;
  }

  /** Ends the streams whose session is no longer valid (after the org's tokens were expired). */
  checkSessions(): number {
    let ended = 0;
    for (const s of [...this.subscriptions]) if (!s.checkAuth()) ended++;
    return ended;
  }

  setFaults(f: PubSubFaultSettings): PubSubFaultState {
    const r = f.refuseSubscriptions;
    for (const [name, v] of [
      ['refuseSubscriptions.times', r?.times],
      ['refuseSubscriptions.forMs', r?.forMs],
      ['deliveryDelayMs', f.deliveryDelayMs],
    ] as const) {
      if (v !== undefined && !(Number.isInteger(v) && v >= 0)) throw new Error(`${name} must be a whole number >= 0`);
    }
    this.faults = {
      refuseSubscriptions: { times: r?.times ?? 0, until: r?.forMs ? this.deps.now() + r.forMs : null },
      deliveryDelayMs: f.deliveryDelayMs ?? 0,
      fired: this.faults.fired,
    };
    return this.getFaults();
  }

  getFaults(): PubSubFaultState {
    return structuredClone(this.faults);
  }

  resetFaults(): PubSubFaultState {
    this.faults = {
      refuseSubscriptions: { times: 0, until: null },
      deliveryDelayMs: 0,
      fired: { streamsReset: 0, subscriptionsRefused: 0 },
    };
    return this.getFaults();
  }

  stats(): PubSubStats {
    const subscriptions = [...this.subscriptions].map((s) => s.info());
    return { published: this.deps.log.published(), delivered: this.deliveredCount, openSubscriptions: subscriptions.length, subscriptions };
  }

  resetStats(): void {
    this.deliveredCount = 0;
    this.deps.log.resetStats();
    for (const s of this.subscriptions) s.delivered = 0;
  }

  private refuseNow(): boolean {
    const r = this.faults.refuseSubscriptions;
    if (r.times > 0) {
      r.times--;
      return true;
    }
    if (r.until !== null) {
      if (this.deps.now() < r.until) return true;
      r.until = null;
    }
    return false;
  }

  private authenticate(md: grpc.Metadata): AuthOk | PubSubServiceError {
    const first = (k: string) => {
      const v = md.get(k)[0];
      return typeof v === 'string' ? v : v?.toString('utf8');
    };
    const token = first('accesstoken');
    const instanceUrl = first('instanceurl');
    const tenantId = first('tenantid');
    const fail = (why: string) =>
      pubSubError(grpc.status.UNAUTHENTICATED, `An authentication exception occurred: ${why}`, PUBSUB_ERROR.authError);
    if (!token || !instanceUrl || !tenantId) return fail('the metadata headers accesstoken, instanceurl and tenantid are required.');
    if (!isUrl(instanceUrl)) return fail('instanceurl is not a URL.');
    let tenant: string;
    try {
      tenant = tenantId.length === 15 ? to18(tenantId) : tenantId;
    } catch {
      return fail('tenantid is not an org id.');
    }
    if (tenant !== this.deps.orgId) return fail('tenantid does not name the org of the access token.');
    const userId = this.deps.userOf(token);
    if (!userId) return fail('the access token is invalid or expired.');
    return { token, userId };
  }

  private topicNotFound(topic: string, rpcId: string): PubSubServiceError {
    return pubSubError(
      grpc.status.NOT_FOUND,
      `The topic information for org CORE/prod/${this.deps.orgId} and topic ${topic} not found. Ensure the topic name is correct and that the topic exists.`,
      PUBSUB_ERROR.topicNotFound,
      rpcId,
    );
  }

  private handlers(): grpc.UntypedServiceImplementation {
    type Unary<Req, Res> = grpc.handleUnaryCall<Req, Res>;
    const unauthenticated = (call: { metadata: grpc.Metadata }) => {
      const auth = this.authenticate(call.metadata);
      return auth instanceof Error ? auth : null;
    };

    const GetTopic: Unary<{ topicName: string }, unknown> = (call, cb) => {
      const err = unauthenticated(call);
      if (err) return cb(err);
      const rpcId = newRpcId();
      const schema = this.deps.schemas().get(call.request.topicName);
      if (!schema) return cb(this.topicNotFound(call.request.topicName, rpcId));
      cb(null, { topicName: schema.topic, tenantGuid: this.deps.orgId, canPublish: false, canSubscribe: true, schemaId: schema.id, rpcId });
    };

    const GetSchema: Unary<{ schemaId: string }, unknown> = (call, cb) => {
      const err = unauthenticated(call);
      if (err) return cb(err);
      const id = call.request.schemaId;
      if (!id) return cb(pubSubError(grpc.status.INVALID_ARGUMENT, "Schema validation failed. The schema ID can't be blank."));
      const schema = [...this.deps.schemas().values()].find((s) => s.id === id);
      if (!schema) return cb(pubSubError(grpc.status.NOT_FOUND, `No schema with ID ${id}.`));
      cb(null, { schemaJson: schema.json, schemaId: schema.id, rpcId: newRpcId() });
    };

    const publishRefusal = (topic: string): PubSubServiceError =>
      this.deps.schemas().has(topic)
        ? pubSubError(grpc.status.PERMISSION_DENIED, `Publishing to ${topic} isn't allowed: Salesforce publishes change events.`)
        : this.topicNotFound(topic, newRpcId());

    const Publish: Unary<{ topicName: string }, unknown> = (call, cb) => {
      const err = unauthenticated(call);
      if (err) return cb(err);
      cb(publishRefusal(call.request.topicName));
    };

    const PublishStream: grpc.handleBidiStreamingCall<{ topicName: string }, unknown> = (call) => {
      const err = unauthenticated(call);
      if (err) return void call.emit('error', err);
      call.once('data', (req: { topicName: string }) => call.emit('error', publishRefusal(req.topicName)));
    };

    const ManagedSubscribe: grpc.handleBidiStreamingCall<unknown, unknown> = (call) => {
      call.emit('error', pubSubError(grpc.status.UNIMPLEMENTED, 'ManagedSubscribe (beta) is not emulated: use Subscribe.'));
    };

    const Subscribe: grpc.handleBidiStreamingCall<FetchRequest, FetchResponse> = (call) => {
      const auth = this.authenticate(call.metadata);
      if (auth instanceof Error) return void call.emit('error', auth);
      if (this.refuseNow()) {
        this.faults.fired.subscriptionsRefused++;
        return void call.emit(
          'error',
          pubSubError(grpc.status.UNAVAILABLE, 'The Pub/Sub API service is unavailable.', PUBSUB_ERROR.serviceUnavailable),
        );
      }
      const sub = new Subscription(
        ++this.nextId,
        call,
        {
          log: this.deps.log,
          hasTopic: (t) => this.deps.schemas().has(t),
          userOf: this.deps.userOf,
          topicNotFound: (t, rpcId) => this.topicNotFound(t, rpcId),
          keepaliveMs: this.deps.keepaliveMs ?? PUBSUB_KEEPALIVE_MS,
          deliveryDelayMs: () => this.faults.deliveryDelayMs,
          delivered: (n) => (this.deliveredCount += n),
          closed: (s) => this.subscriptions.delete(s),
        },
        auth.token,
        auth.userId,
      );
      this.subscriptions.add(sub);
    };

    return { GetTopic, GetSchema, Publish, PublishStream, ManagedSubscribe, Subscribe } as unknown as grpc.UntypedServiceImplementation;
  }
}
