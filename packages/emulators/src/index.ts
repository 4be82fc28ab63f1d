/** Local emulators of Salesforce and Sendbird. See docs/emulator-salesforce.md and docs/emulator-sendbird.md. */
export * from './salesforce/index.js';
export * from './sendbird/index.js';
export { FaultInjector } from './common/faults.js';
export type { FaultAction, FaultRule, FaultSettings } from './common/faults.js';
export { seededRandom } from './common/random.js';
