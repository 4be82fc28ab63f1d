/**
 * The store's contract and its foundations: the `Store` interface and its records (types.ts),
 * the query layer (sql.ts) and its two drivers, the migrations, outage classification. The
 * parts that implement the interface live beside their features; open-store.ts opens a database
 * and puts them together.
 */
export * from './types.js';
export { canMoveTicket, TICKET_STEPS } from './ticket-state.js';
export { MIGRATIONS, type Migration } from './migrations/index.js';
export { isStoreOutage, StoreUnavailableError, STORE_RETRY_AFTER_SECONDS } from './outage.js';
