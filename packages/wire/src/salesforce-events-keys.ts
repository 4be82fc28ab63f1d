/**
 * The keys of each event Salesforce sends to the bridge, as listed in the TypeScript types of
 * events.ts. The contract test (test/salesforce-events-contract.test.ts) compares this list with
 * salesforce-events.schema.json and with the keys the Apex tests assert, so the TypeScript types,
 * the JSON Schema and the Apex cannot drift apart. The type checks at the bottom make `tsc` fail
 * when a key is added to or removed from an event type without this list following.
 */
import type { SalesforceEvent } from './events.js';

type EventType = SalesforceEvent['type'];
type EventOf<T extends EventType> = Extract<SalesforceEvent, { type: T }>;

export const SALESFORCE_EVENT_KEYS = {
  'case.owner_changed': ['type', 'caseId', 'previousOwnerId', 'ownerId', 'occurredAt'],
  'agentwork.accepted': ['type', 'caseId', 'userId', 'workId', 'occurredAt'],
  'case.status_changed': ['type', 'caseId', 'previousStatus', 'status', 'isClosed', 'occurredAt'],
} as const satisfies { readonly [T in EventType]: readonly (keyof EventOf<T>)[] };

// Every key of every event type is listed (the `satisfies` above checks the other direction).
type Unlisted<T extends EventType> = T extends EventType ? Exclude<keyof EventOf<T>, (typeof SALESFORCE_EVENT_KEYS)[T][number]> : never;
type AssertNever<T extends never> = T;
type _AllKeysListed = AssertNever<Unlisted<EventType>>;
