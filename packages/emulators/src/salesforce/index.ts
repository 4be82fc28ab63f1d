/** The Salesforce emulator. See docs/emulator-salesforce.md. */
export { createSalesforceEmulator, startSalesforceEmulator } from './server.js';
export type { SalesforceEmulator, RunningSalesforceEmulator, ApiLimits as SalesforceApiLimits, CallStats as SalesforceCallStats } from './server.js';
export type { SalesforceEmulatorOptions, PasswordUser as SalesforcePasswordUser } from './options.js';
export { EMULATOR_DEFAULTS as SALESFORCE_EMULATOR_DEFAULTS } from './options.js';
export type { SeedInfo as SalesforceSeedInfo } from './seed.js';
export type { SfRecord } from './state.js';
