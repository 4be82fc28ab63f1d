/** The Salesforce emulator. See docs/emulator-salesforce.md. */
export { createSalesforceEmulator, startSalesforceEmulator } from './server.js';
export type {
  SalesforceEmulator,
  RunningSalesforceEmulator,
  ApiLimits as SalesforceApiLimits,
  CallStats as SalesforceCallStats,
} from './emulator.js';
export type { SalesforceEmulatorOptions, PasswordUser as SalesforcePasswordUser } from './options.js';
export { EMULATOR_DEFAULTS as SALESFORCE_EMULATOR_DEFAULTS } from './options.js';
export type { SeedInfo as SalesforceSeedInfo } from './seed.js';
export type { SfRecord } from './state.js';
export { AgentSessionError, AGENT_SESSION_KEYS, AGENT_SESSION_UNAVAILABLE, HISTORY_UNAVAILABLE, HISTORY_UNAVAILABLE_CODE } from './org.js';
export type { AgentSession, OrgBehaviour as SalesforceOrgBehaviour } from './org.js';
export type { BridgeDeliveryRecord, BridgeTarget, BridgeDeliveryOptions } from './bridge-delivery.js';
export type { EventBusStats as SalesforceEventBusStats } from './event-bus.js';
export { SUBSCRIBER_BATCH_SIZE as SALESFORCE_SUBSCRIBER_BATCH_SIZE } from './subscriber-batch.js';
export { CASE_EVENT_FIELDS, WIRE_KEY_FIELDS as CASE_EVENT_WIRE_KEY_FIELDS, toWireEvent as caseEventToWire } from './triggers.js';
export type { CaseEventMessage as SalesforceCaseEventMessage } from './triggers.js';
export { ApiError as SalesforceApiError } from './api-error.js';
export type { ConsoleOptions as SalesforceConsoleOptions } from './console/options.js';
export type { ConsoleHandle as SalesforceConsoleHandle } from './emulator.js';
export { CDC_OVERFLOW_THRESHOLD, CDC_RETENTION_MS, PUBSUB_KEEPALIVE_MS } from './pubsub/index.js';
export type {
  PubSubHandle as SalesforcePubSubHandle,
  PubSubStats as SalesforcePubSubStats,
  PubSubFaultSettings as SalesforcePubSubFaultSettings,
  PubSubEventView as SalesforcePubSubEvent,
} from './pubsub/index.js';
export type { TransactionInfo as SalesforceTransactionInfo } from './org.js';
