/**
 * Salesforce's published Pub/Sub API interface (proto/pubsub_api.proto, vendored unchanged), loaded
 * once with @grpc/proto-loader. The bridge's subscriber and the emulator's server both use it, so
 * the two sides speak the same messages; a client the project did not write checks the server.
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export const PUBSUB_PROTO_PATH = fileURLToPath(new URL('../../proto/pubsub_api.proto', import.meta.url));

/** Salesforce's public endpoint; an org's My Domain does not change it. */
export const DEFAULT_PUBSUB_ENDPOINT = 'api.pubsub.salesforce.com:7443';

/** The change-event channel of Case. */
export const CASE_CHANGE_TOPIC = '/data/CaseChangeEvent';

/** The trailer that carries Pub/Sub API's own error code, next to the gRPC status. */
export const ERROR_CODE_TRAILER = 'error-code';
export const RPC_ID_TRAILER = 'rpc-id';

/** Pub/Sub API error codes this project produces or handles (Pub/Sub API guide, "Handle Errors"). */
export const PUBSUB_ERROR = {
  replayIdCorrupted: 'sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted',
  authError: 'sfdc.platform.eventbus.grpc.service.auth.error',
  serviceUnavailable: 'sfdc.platform.eventbus.grpc.service.unavailable',
  topicNotFound: 'sfdc.platform.eventbus.grpc.topic.not.found',
  invalidTopic: 'sfdc.platform.eventbus.grpc.subscription.topic.invalid',
} as const;

/** Field names as proto-loader gives them: camelCase, 64-bit numbers as strings, enums as names. */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

export type ReplayPresetName = 'LATEST' | 'EARLIEST' | 'CUSTOM';

export interface FetchRequest {
  topicName?: string;
  replayPreset?: ReplayPresetName;
  replayId?: Buffer;
  numRequested?: number;
  authRefresh?: string;
}

export interface ConsumerEvent {
  event: { id: string; schemaId: string; payload: Buffer; headers: { key: string; value: Buffer }[] };
  replayId: Buffer;
}

export interface FetchResponse {
  events: ConsumerEvent[];
  latestReplayId: Buffer;
  rpcId: string;
  pendingNumRequested: number;
}

export interface TopicInfo {
  topicName: string;
  tenantGuid: string;
  canPublish: boolean;
  canSubscribe: boolean;
  schemaId: string;
  rpcId: string;
}

export interface SchemaInfo {
  schemaJson: string;
  schemaId: string;
  rpcId: string;
}

let loaded: grpc.GrpcObject | undefined;

/** The `eventbus.v1` package: `PubSub` is the service (a client constructor with `.service`). */
export function pubSubPackage(): { PubSub: grpc.ServiceClientConstructor } {
  loaded ??= grpc.loadPackageDefinition(protoLoader.loadSync(PUBSUB_PROTO_PATH, PROTO_LOADER_OPTIONS));
  const v1 = (loaded.eventbus as grpc.GrpcObject).v1 as grpc.GrpcObject;
  return { PubSub: v1.PubSub as grpc.ServiceClientConstructor };
}
