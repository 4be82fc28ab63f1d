/** Emulator options and their defaults (documented in docs/emulator-salesforce.md). */
import type { BridgeDeliveryOptions, BridgeTarget } from './bridge-delivery.js';
import type { ConsoleOptions } from './console/options.js';
import { SUBSCRIBER_BATCH_SIZE, validateBatchSize } from './subscriber-batch.js';
import { BLOB_MULTIPART_MAX_BYTES } from './content.js';
import type { PubSubListenOptions } from './pubsub/server.js';
import { PUBSUB_KEEPALIVE_MS } from './pubsub/server.js';
import { CDC_OVERFLOW_THRESHOLD } from './pubsub/cdc.js';
import { CDC_RETENTION_MS } from './pubsub/event-log.js';

export interface PasswordUser {
  username: string;
  /** Password with the security token appended, as the password grant expects it. */
  password: string;
}

export interface SalesforceEmulatorOptions {
  /** Consumer key of the emulated External Client App. */
  clientId?: string;
  clientSecret?: string;
  /** PEM public key that verifies JWT bearer assertions. */
  jwtPublicKey?: string;
  /** Or the X.509 certificate (PEM) uploaded to the app, as in a real org. */
  jwtCertificate?: string;
  /** Accepted JWT `aud` values, besides the emulator's own URL. */
  jwtAudiences?: string[];
  /** Users allowed to use the password grant. Default: the integration user. */
  passwordUsers?: PasswordUser[];
  /** Real orgs created since Summer '23 block the password grant; set false to emulate that. */
  passwordFlowEnabled?: boolean;
  /** Lifetime of an access token in ms. Default 2 hours (the default session timeout). */
  tokenTtlMs?: number;
  /** Daily API request allowance. Default 100000. */
  dailyApiLimit?: number;
  /** Records per query batch when the caller does not ask. Default 2000. */
  queryBatchSize?: number;
  /** Highest API version served. Default 67 (Summer '26). */
  maxApiVersion?: number;
  /** Seed agents, a queue and Cases. Default true. The org and the integration user always exist. */
  seed?: boolean;
  /** instance_url returned by the token endpoint. Default: the URL the request came to. */
  instanceUrl?: string;
  /** Clock in ms. Default Date.now. */
  now?: () => number;
  /** The bridge the org's Apex calls (the Named Credential `Sendbird_Bridge`): `{url, secret}`. Also `org.setBridge()`. */
  bridge?: BridgeTarget;
  /** How events are delivered to the bridge: `maxAttempts` (3), `retryDelaysMs`, `timeoutMs` (20 s). */
  bridgeDelivery?: Omit<BridgeDeliveryOptions, 'fetch'>;
  /**
   * Platform events the subscriber SendbirdCaseEventTriggerHandler takes per batch (one Queueable
   * and one callout each): PlatformEventSubscriberConfig.batchSize, 1 to 2000. Default 200.
   */
  subscriberBatchSize?: number;
  /** Serve the console simulator (`/console`): the Aura bundle and the built agent panel to host. */
  console?: ConsoleOptions;
  /**
   * The largest multipart body (a ContentVersion's file and its fields), in bytes; larger -> 413
   * REQUEST_ENTITY_TOO_LARGE. Salesforce: 2 GB for ContentVersion (the default).
   */
  blobMultipartMaxBytes?: number;
  /**
   * Serve the Pub/Sub API (gRPC over TLS) on `{host, port}` (default 127.0.0.1, any free port), with
   * Change Data Capture events of the objects in `changeDataCapture`. Without it no change event is kept.
   */
  pubsub?: PubSubListenOptions;
  /** Objects selected for Change Data Capture (Setup > Change Data Capture). Default ['Case']. */
  changeDataCapture?: string[];
  /** Changes of one transaction that become change events; the rest become GAP_OVERFLOW events. Default 100,000. */
  cdcOverflowThreshold?: number;
  /** How long the event bus keeps events, emulator clock, ms. Default 72 hours. */
  cdcRetentionMs?: number;
  /** Empty keepalive FetchResponse after this long without a response while events are owed, ms. Default 270 s. */
  pubsubKeepaliveMs?: number;
  /**
   * The Apex path: false means the org's admin turned off Case_Owner_Sync_Enabled__c,
   * Case_Status_Sync_Enabled__c and Omni_Channel_Enabled__c in Sendbird_Config__mdt, so the
   * triggers publish no platform event and nothing reaches the bridge. Default true. Also
   * `org.setApexCaseEvents()` and `PUT /__admin/apex-case-events`.
   */
  apexCaseEvents?: boolean;
}

export type ResolvedOptions = Required<
  Omit<
    SalesforceEmulatorOptions,
    'jwtPublicKey' | 'jwtCertificate' | 'instanceUrl' | 'passwordUsers' | 'bridge' | 'bridgeDelivery' | 'console' | 'pubsub'
  >
> &
  Pick<
    SalesforceEmulatorOptions,
    'jwtPublicKey' | 'jwtCertificate' | 'instanceUrl' | 'passwordUsers' | 'bridge' | 'bridgeDelivery' | 'console' | 'pubsub'
  >;

export const EMULATOR_DEFAULTS = {
  clientId: 'sbsf-emulator-client-id',
  clientSecret: 'sbsf-emulator-client-secret',
  integrationUsername: 'integration@sbsf.example',
  integrationPassword: 'emulator-password',
  tokenTtlMs: 2 * 60 * 60 * 1000,
  dailyApiLimit: 100_000,
  queryBatchSize: 2000,
  maxApiVersion: 67,
  subscriberBatchSize: SUBSCRIBER_BATCH_SIZE,
} as const;

function positiveInt(v: unknown, name: string): void {
  if (v !== undefined && !(Number.isInteger(v) && (v as number) > 0)) {
    throw new TypeError(`[salesforce-emulator] ${name} must be a positive integer`);
  }
}

export function resolveOptions(o: SalesforceEmulatorOptions = {}): ResolvedOptions {
  positiveInt(o.tokenTtlMs, 'tokenTtlMs');
  positiveInt(o.dailyApiLimit, 'dailyApiLimit');
  positiveInt(o.queryBatchSize, 'queryBatchSize');
  positiveInt(o.maxApiVersion, 'maxApiVersion');
  positiveInt(o.blobMultipartMaxBytes, 'blobMultipartMaxBytes');
  positiveInt(o.cdcOverflowThreshold, 'cdcOverflowThreshold');
  positiveInt(o.cdcRetentionMs, 'cdcRetentionMs');
  positiveInt(o.pubsubKeepaliveMs, 'pubsubKeepaliveMs');
  if (o.changeDataCapture !== undefined && !(Array.isArray(o.changeDataCapture) && o.changeDataCapture.every((x) => typeof x === 'string')))
    throw new TypeError('[salesforce-emulator] changeDataCapture must be a list of object names');
  if (o.subscriberBatchSize !== undefined) validateBatchSize(o.subscriberBatchSize);
  return {
    clientId: o.clientId ?? EMULATOR_DEFAULTS.clientId,
    clientSecret: o.clientSecret ?? EMULATOR_DEFAULTS.clientSecret,
    jwtAudiences: o.jwtAudiences ?? ['https://login.salesforce.com', 'https://test.salesforce.com'],
    passwordFlowEnabled: o.passwordFlowEnabled ?? true,
    tokenTtlMs: o.tokenTtlMs ?? EMULATOR_DEFAULTS.tokenTtlMs,
    dailyApiLimit: o.dailyApiLimit ?? EMULATOR_DEFAULTS.dailyApiLimit,
    queryBatchSize: o.queryBatchSize ?? EMULATOR_DEFAULTS.queryBatchSize,
    maxApiVersion: o.maxApiVersion ?? EMULATOR_DEFAULTS.maxApiVersion,
    subscriberBatchSize: o.subscriberBatchSize ?? EMULATOR_DEFAULTS.subscriberBatchSize,
    blobMultipartMaxBytes: o.blobMultipartMaxBytes ?? BLOB_MULTIPART_MAX_BYTES,
    seed: o.seed ?? true,
    changeDataCapture: o.changeDataCapture ?? ['Case'],
    cdcOverflowThreshold: o.cdcOverflowThreshold ?? CDC_OVERFLOW_THRESHOLD,
    cdcRetentionMs: o.cdcRetentionMs ?? CDC_RETENTION_MS,
    pubsubKeepaliveMs: o.pubsubKeepaliveMs ?? PUBSUB_KEEPALIVE_MS,
    apexCaseEvents: o.apexCaseEvents ?? true,
    now: o.now ?? Date.now,
    ...(o.jwtPublicKey ? { jwtPublicKey: o.jwtPublicKey } : {}),
    ...(o.jwtCertificate ? { jwtCertificate: o.jwtCertificate } : {}),
    ...(o.instanceUrl ? { instanceUrl: o.instanceUrl.replace(/\/+$/, '') } : {}),
    ...(o.passwordUsers ? { passwordUsers: o.passwordUsers } : {}),
    ...(o.bridge ? { bridge: o.bridge } : {}),
    ...(o.console ? { console: o.console } : {}),
    ...(o.bridgeDelivery ? { bridgeDelivery: o.bridgeDelivery } : {}),
    ...(o.pubsub ? { pubsub: o.pubsub } : {}),
  };
}
