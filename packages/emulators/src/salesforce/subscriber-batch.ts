/** The platform-event subscriber's batch size (PlatformEventSubscriberConfig): the options and the event bus read it. */

/** PlatformEventSubscriberConfig.batchSize of SendbirdCaseEventsConfig. */
export const SUBSCRIBER_BATCH_SIZE = 200;
/** The most a PlatformEventSubscriberConfig allows (and the default without one). */
export const SUBSCRIBER_BATCH_SIZE_MAX = 2000;

export function validateBatchSize(v: unknown): number {
  if (!(Number.isInteger(v) && (v as number) >= 1 && (v as number) <= SUBSCRIBER_BATCH_SIZE_MAX)) {
    throw new TypeError(
      `[salesforce-emulator] subscriberBatchSize must be an integer from 1 to ${SUBSCRIBER_BATCH_SIZE_MAX} (PlatformEventSubscriberConfig.batchSize)`,
    );
  }
  return v as number;
}
