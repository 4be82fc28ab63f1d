/** Version 5 (the SQLite twin: ../migrations/005-tickets-client-index.ts): drop the unused `tickets_client_idx`. */
export default /* sql */ `
DROP INDEX IF EXISTS tickets_client_idx;
`;
