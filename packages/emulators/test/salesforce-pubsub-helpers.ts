/**
 * Helpers for the Pub/Sub API tests: an emulator serving Pub/Sub API on port 0, a gRPC client of
 * the vendored proto that trusts the emulator's certificate, the Salesforce auth metadata, and a
 * Subscribe stream that records what it receives.
 */
import type { TestContext } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import avro from 'avsc';
import type { Schema as AvroSchema, Type as AvroType } from 'avsc';
import { waitFor } from '@sbsf/testkit';
import {
  fieldNamesOf,
  pubSubPackage,
  type ChangeEventHeader,
  type ConsumerEvent,
  type FetchRequest,
  type FetchResponse,
  type SchemaInfo,
  type TopicInfo,
} from '@sbsf/salesforce/pubsub';
import type { RunningSalesforceEmulator, SalesforceEmulatorOptions } from '../src/salesforce/index.js';
import { startSf, tokenFor } from './salesforce-helpers.js';

export interface PubSubWorld {
  sf: RunningSalesforceEmulator;
  token: string;
  client: grpc.Client;
  /** The metadata Pub/Sub API expects (override any key, or drop it with null). */
  md(over?: Record<string, string | null>): grpc.Metadata;
}

export async function startPubSub(t: TestContext, options: SalesforceEmulatorOptions = {}): Promise<PubSubWorld> {
  const sf = await startSf(t, { pubsub: { port: 0 }, ...options });
  const token = await tokenFor(sf);
  const { PubSub } = pubSubPackage();
  // The certificate names localhost and 127.0.0.1; naming localhost keeps TLS from sending an IP as SNI.
  const client = new PubSub(sf.pubsub!.endpoint, grpc.credentials.createSsl(Buffer.from(sf.pubsub!.caPem)), {
    'grpc.ssl_target_name_override': 'localhost',
  });
  t.after(() => client.close());
  const md = (over: Record<string, string | null> = {}) => {
    const m = new grpc.Metadata();
    const values: Record<string, string | null> = { accesstoken: token, instanceurl: sf.url, tenantid: sf.state.orgId, ...over };
    for (const [k, v] of Object.entries(values)) if (v !== null) m.set(k, v);
    return m;
  };
  return { sf, token, client, md };
}

type Unary = (req: unknown, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

export function unary<T>(w: PubSubWorld, method: 'GetTopic' | 'GetSchema' | 'Publish', req: unknown, md = w.md()): Promise<T> {
  const fn = (w.client as unknown as Record<string, Unary>)[method]!.bind(w.client);
  return new Promise((resolve, reject) => fn(req, md, (err, res) => (err ? reject(err) : resolve(res as T))));
}

/** Resolves with the error a unary call fails with (and fails the test if it succeeds). */
export async function unaryError(
  w: PubSubWorld,
  method: 'GetTopic' | 'GetSchema' | 'Publish',
  req: unknown,
  md = w.md(),
): Promise<grpc.ServiceError> {
  try {
    await unary(w, method, req, md);
  } catch (err) {
    return err as grpc.ServiceError;
  }
  throw new Error(`${method} succeeded; an error was expected`);
}

export const getTopic = (w: PubSubWorld, topicName: string): Promise<TopicInfo> => unary<TopicInfo>(w, 'GetTopic', { topicName });
export const getSchema = (w: PubSubWorld, schemaId: string): Promise<SchemaInfo> => unary<SchemaInfo>(w, 'GetSchema', { schemaId });

/** The trailer Pub/Sub API puts its own error code in. */
export const errorCodeOf = (err: grpc.ServiceError): string | undefined => err.metadata?.get('error-code')[0]?.toString();

export interface Stream {
  call: grpc.ClientDuplexStream<FetchRequest, FetchResponse>;
  responses: FetchResponse[];
  /** Every event received, in order. */
  events(): ConsumerEvent[];
  /** Set when the stream failed (or ended with a status other than OK). */
  error: grpc.ServiceError | undefined;
  ended: boolean;
  request(req: FetchRequest): void;
  /** Waits until `n` events in all have arrived. */
  waitForEvents(n: number): Promise<ConsumerEvent[]>;
  waitForError(): Promise<grpc.ServiceError>;
}

export function subscribe(t: TestContext, w: PubSubWorld, first?: FetchRequest, md = w.md()): Stream {
  const call = (w.client as unknown as { Subscribe(md: grpc.Metadata): grpc.ClientDuplexStream<FetchRequest, FetchResponse> }).Subscribe(
    md,
  );
  const s: Stream = {
    call,
    responses: [],
    events: () => s.responses.flatMap((r) => r.events),
    error: undefined,
    ended: false,
    request: (req) => void call.write(req),
    waitForEvents: (n) =>
      waitFor(`${n} events`, () => (s.events().length >= n ? s.events() : s.error ? Promise.reject(s.error) : undefined)),
    waitForError: () => waitFor('the stream to fail', () => s.error),
  };
  call.on('data', (r: FetchResponse) => s.responses.push(r));
  call.on('error', (e: grpc.ServiceError) => (s.error = e));
  call.on('end', () => (s.ended = true));
  t.after(() => call.cancel());
  if (first) s.request(first);
  return s;
}

/** Decodes change events with the schema GetSchema serves, as any subscriber does. */
export class Decoder {
  private readonly types = new Map<string, { type: AvroType; fields: { name: string; type: unknown }[] }>();

  constructor(private readonly w: PubSubWorld) {}

  async decode(
    e: ConsumerEvent,
  ): Promise<{ header: ChangeEventHeader; fields: Record<string, unknown>; changed: string[]; nulled: string[] }> {
    let entry = this.types.get(e.event.schemaId);
    if (!entry) {
      const info = await getSchema(this.w, e.event.schemaId);
      const schema = JSON.parse(info.schemaJson) as { fields: { name: string; type: unknown }[] };
      entry = { type: avro.Type.forSchema(schema as unknown as AvroSchema), fields: schema.fields };
      this.types.set(e.event.schemaId, entry);
    }
    const { ChangeEventHeader: header, ...fields } = entry.type.fromBuffer(e.event.payload) as Record<string, unknown>;
    const h = header as ChangeEventHeader;
    return { header: h, fields, changed: fieldNamesOf(entry.fields, h.changedFields), nulled: fieldNamesOf(entry.fields, h.nulledFields) };
  }
}

/** Only the fields that carry a value. */
export const nonNull = (fields: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null));
