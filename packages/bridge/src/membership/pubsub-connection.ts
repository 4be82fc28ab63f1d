/**
 * One gRPC channel to Salesforce's Pub/Sub API (TLS), on the vendored proto. Every call carries
 * the Salesforce session as Pub/Sub API asks (`accesstoken`, `instanceurl`, `tenantid` metadata),
 * taken from the bridge's Salesforce client: the same login, the same token cache. After a call
 * was refused for its session, `sessionRefused()` makes the next call log in again first.
 */
import { rootCertificates } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import type { SalesforceClient } from '@sbsf/salesforce';
import {
  ERROR_CODE_TRAILER,
  pubSubPackage,
  type FetchRequest,
  type FetchResponse,
  type SchemaInfo,
  type TopicInfo,
} from '@sbsf/salesforce/pubsub';

export interface PubSubConnectionOptions {
  endpoint: string;
  /** PEM certificates to trust besides the system's. */
  caPem?: string | undefined;
  salesforce: Pick<SalesforceClient, 'session'>;
  /** Deadline of a unary call (GetTopic, GetSchema). */
  timeoutMs?: number;
}

/** A failed Pub/Sub API call: the gRPC status and Pub/Sub API's own error code (trailer `error-code`). */
export interface PubSubFailure {
  code: grpc.status;
  errorCode: string | undefined;
  message: string;
}

export function pubSubFailure(err: unknown): PubSubFailure {
  const e = err as Partial<grpc.ServiceError>;
  const trailer = e.metadata?.get(ERROR_CODE_TRAILER)[0];
  return {
    code: typeof e.code === 'number' ? e.code : grpc.status.UNKNOWN,
    errorCode: trailer === undefined ? undefined : String(trailer),
    message: e.details ?? e.message ?? String(err),
  };
}

type SubscribeStream = grpc.ClientDuplexStream<FetchRequest, FetchResponse>;

interface PubSubStub extends grpc.Client {
  GetTopic(req: { topicName: string }, options: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: TopicInfo) => void): void;
  GetSchema(req: { schemaId: string }, options: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: SchemaInfo) => void): void;
  Subscribe(): SubscribeStream;
}

export class PubSubConnection {
  private readonly client: PubSubStub;
  private refusedToken: string | undefined;
  private lastToken: string | undefined;

  constructor(private readonly o: PubSubConnectionOptions) {
    const roots = o.caPem ? `${rootCertificates.join('\n')}\n${o.caPem}` : rootCertificates.join('\n');
    const session = grpc.credentials.createFromMetadataGenerator((_params, callback) => {
      o.salesforce.session(this.refusedToken).then(
        (s) => {
          this.refusedToken = undefined;
          this.lastToken = s.accessToken;
          const md = new grpc.Metadata();
          md.add('accesstoken', s.accessToken);
          md.add('instanceurl', s.instanceUrl);
          md.add('tenantid', s.orgId);
          callback(null, md);
        },
        (err: unknown) => callback(err as Error),
      );
    });
    const credentials = grpc.credentials.combineChannelCredentials(grpc.credentials.createSsl(Buffer.from(roots)), session);
    const { PubSub } = pubSubPackage();
    this.client = new PubSub(o.endpoint, credentials, {
      // Pub/Sub API sends a keepalive response at least every 270 s; ping so a dead peer shows sooner.
      'grpc.keepalive_time_ms': 60_000,
      'grpc.keepalive_timeout_ms': 20_000,
      'grpc.max_receive_message_length': 16 * 1024 * 1024,
    }) as unknown as PubSubStub;
  }

  /** The session of the last call was refused: the next call logs in again. */
  sessionRefused(): void {
    this.refusedToken = this.lastToken;
  }

  /** The topic as the session's user sees it (whether it exists, and may be subscribed to). */
  getTopic(topicName: string): Promise<TopicInfo> {
    return new Promise((resolve, reject) =>
      this.client.GetTopic({ topicName }, { deadline: this.deadline() }, (err, res) => (err ? reject(err) : resolve(res!))),
    );
  }

  getSchema(schemaId: string): Promise<SchemaInfo> {
    return new Promise((resolve, reject) =>
      this.client.GetSchema({ schemaId }, { deadline: this.deadline() }, (err, res) => (err ? reject(err) : resolve(res!))),
    );
  }

  subscribe(): SubscribeStream {
    return this.client.Subscribe();
  }

  close(): void {
    this.client.close();
  }

  private deadline(): Date {
    return new Date(Date.now() + (this.o.timeoutMs ?? 15_000));
  }
}
