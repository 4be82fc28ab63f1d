/** @sbsf/salesforce/pubsub: what a Pub/Sub API client and server share (the proto, replay ids, change events). */
export * from './proto.js';
export * from './replay-id.js';
export * from './change-event.js';
