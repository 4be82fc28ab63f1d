/** Emulator options and their defaults (documented in docs/emulator-salesforce.md). */
import type { BridgeDeliveryOptions, BridgeTarget } from './bridge-delivery.js';
import type { ConsoleOptions } from './console/options.js';
import { SUBSCRIBER_BATCH_SIZE, validateBatchSize } from './subscriber-batch.js';
import { BLOB_MULTIPART_MAX_BYTES } from './content.js';

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
}

export type ResolvedOptions = Required<
  Omit<
    SalesforceEmulatorOptions,
    'jwtPublicKey' | 'jwtCertificate' | 'instanceUrl' | 'passwordUsers' | 'bridge' | 'bridgeDelivery' | 'console'
  >
> &
  Pick<
    SalesforceEmulatorOptions,
    'jwtPublicKey' | 'jwtCertificate' | 'instanceUrl' | 'passwordUsers' | 'bridge' | 'bridgeDelivery' | 'console'
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
    now: o.now ?? Date.now,
    ...(o.jwtPublicKey ? { jwtPublicKey: o.jwtPublicKey } : {}),
    ...(o.jwtCertificate ? { jwtCertificate: o.jwtCertificate } : {}),
    ...(o.instanceUrl ? { instanceUrl: o.instanceUrl.replace(/\/+$/, '') } : {}),
    ...(o.passwordUsers ? { passwordUsers: o.passwordUsers } : {}),
    ...(o.bridge ? { bridge: o.bridge } : {}),
    ...(o.console ? { console: o.console } : {}),
    ...(o.bridgeDelivery ? { bridgeDelivery: o.bridgeDelivery } : {}),
  };
}
