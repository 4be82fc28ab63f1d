/**
 * The bridge's features (tickets, Salesforce events, webhooks, agent sessions, the Case lifecycle, erasure, the customer history),
 * each built by a factory from the one BridgeContext. `startBridge` builds every factory in
 * `FEATURES` once; a new feature adds its factory to that list and touches nothing else in the core.
 */
import { createAgentsFeature } from './agents/feature.js';
import type { FeatureFactory } from './context.js';
import { createCsatFeature } from './csat/feature.js';
import { createErasureFeature } from './erasure/feature.js';
import { createHistoryFeature } from './history/feature.js';
import { createLifecycleFeature } from './lifecycle/feature.js';
import { createMembershipFeature } from './membership/feature.js';
import { createTicketsFeature } from './tickets/feature.js';
import { createTranscriptFeature } from './transcript/feature.js';

export const FEATURES: readonly FeatureFactory[] = [
  createTicketsFeature,
  createMembershipFeature,
  createAgentsFeature,
  createTranscriptFeature,
  createLifecycleFeature,
  createErasureFeature,
  createHistoryFeature,
  createCsatFeature,
];
