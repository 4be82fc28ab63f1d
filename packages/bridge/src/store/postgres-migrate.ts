/**
 * Applies PostgreSQL migrations. Several bridge instances may start at the same moment against
 * one database, so the whole run holds a session-level advisory lock keyed on the schema: the
 * first instance migrates, the others wait on the lock, then find every version applied and do
 * nothing. Each pending migration runs in its own transaction (PostgreSQL DDL is transactional)
 * together with its `schema_migrations` row, so a crash mid-migration leaves the previous version.
 * The schema itself is created here too (`CREATE SCHEMA IF NOT EXISTS` is not safe against a
 * concurrent one, hence under the lock).
 */
import type { PoolClient } from 'pg';
import type { Migration } from './migrations/index.js';
import { latestVersion, type MigrationResult } from './sqlite-migrate.js';

export { latestVersion };

/** `"name"` quoted as an SQL identifier (names are validated before they get here). */
export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The advisory lock key for one schema and purpose; hashed to an int by the server. */
export const lockName = (schema: string, purpose: string) => `sbsf:${purpose}:${schema}`;

export async function pgSchemaVersion(c: Pick<PoolClient, 'query'>): Promise<number> {
  const exists = await c.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
  if (!exists.rows[0]?.t) return 0;
  const row = await c.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
  return row.rows[0]?.v ?? 0;
}

export async function migratePostgres(
  c: PoolClient,
  migrations: readonly Migration[],
  opts: { schema: string; createSchema: boolean; now?: () => number },
): Promise<MigrationResult> {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`[store] migrations must be numbered 1, 2, 3... in order (found ${m.version} at position ${i + 1})`);
  });
  const now = opts.now ?? Date.now;
  const latest = latestVersion(migrations);
  const key = lockName(opts.schema, 'migrate');
  await c.query('SELECT pg_advisory_lock(hashtext($1))', [key]);
  try {
    if (opts.createSchema) await c.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(opts.schema)}`);
    await c.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)');
    const from = await pgSchemaVersion(c);
    if (from > latest) {
      throw new Error(`[store] the database is at schema version ${from}, newer than this bridge knows (${latest}): run a newer bridge, or restore a backup`);
    }
    const applied: number[] = [];
    for (const m of migrations) {
      if (m.version <= from) continue;
      await c.query('BEGIN');
      try {
        await c.query(m.sql);
        await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, now()]);
        await c.query('COMMIT');
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw new Error(`[store] PostgreSQL migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(m.version);
    }
    return { from, to: await pgSchemaVersion(c), applied };
  } finally {
    await c.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(() => undefined);
  }
}
