/**
 * Version 5: drop `tickets_client_idx` (client_key, created_at). No query reads tickets by
 * customer (a customer's own ticket is found by its id, then checked against its client_key),
 * and every new ticket paid a page write for it (docs/performance.md, "Tickets").
 */
export const sqlite = /* sql */ `
DROP INDEX IF EXISTS tickets_client_idx;
`;

/** Version 5 (PostgreSQL): drop the unused `tickets_client_idx`. */
export const postgres = /* sql */ `
DROP INDEX IF EXISTS tickets_client_idx;
`;
