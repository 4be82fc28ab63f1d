/**
 * Applies the migrations (migrations/index.ts) and reads the schema version. A
 * `schema_migrations` table records each applied version; every pending step runs in its own
 * transaction together with its row, so a crash mid-migration leaves the previous version.
 *
 * - SQLite: each step in an IMMEDIATE transaction, so two processes starting at once do not both
 *   apply it (the second waits on the write lock, then sees the version and skips).
 * - PostgreSQL: several instances may start at the same moment against one database, so the
 *   whole run holds a session-level advisory lock keyed on the schema: the first instance
 *   migrates, the others wait, then find every version applied. The schema itself is created
 *   here too (`CREATE SCHEMA IF NOT EXISTS` is not safe against a concurrent one, hence under the lock).
 */
import type { PoolClient } from 'pg';
import type { Migration } from './migrations/index.js';
import { lockName, type PostgresDb } from './postgres-db.js';
import type { SqliteDb } from './sqlite-db.js';

export interface MigrationResult {
  from: number;
  to: number;
  applied: number[];
}

export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.reduce((max, m) => Math.max(max, m.version), 0);
}

function checkOrder(migrations: readonly Migration[]): number {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(`[store] migrations must be numbered 1, 2, 3... in order (found ${m.version} at position ${i + 1})`);
  });
  return latestVersion(migrations);
}

function tooNew(from: number, latest: number): Error {
  return new Error(
    `[store] the database is at schema version ${from}, newer than this bridge knows (${latest}): run a newer bridge, or restore a backup`,
  );
}

export function sqliteSchemaVersion(db: SqliteDb): number {
  const c = db.connection;
  const exists = c.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!exists) return 0;
  const row = c.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}

export function migrateSqlite(db: SqliteDb, migrations: readonly Migration[], now: () => number = Date.now): MigrationResult {
  const latest = checkOrder(migrations);
  db.commitNow();
  const c = db.connection;
  c.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const from = sqliteSchemaVersion(db);
  if (from > latest) throw tooNew(from, latest);
  const applied: number[] = [];
  for (const m of migrations) {
    const apply = c.transaction(() => {
      if (sqliteSchemaVersion(db) >= m.version) return false;
      c.exec(m.sqlite);
      if (m.foreignKeysOff) {
        const broken = c.prepare('PRAGMA foreign_key_check').all();
        if (broken.length > 0) {
          const example = JSON.stringify(broken[0]);
          throw new Error(
            `[store] migration ${m.version} would break ${broken.length} foreign key reference(s), e.g. ${example}; nothing was changed`,
          );
        }
      }
      c.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, now());
      return true;
    });
    // The pragma is a no-op inside a transaction, so it is set around it (and put back after).
    const enforcing = m.foreignKeysOff && c.pragma('foreign_keys', { simple: true }) === 1;
    if (enforcing) c.pragma('foreign_keys = OFF');
    try {
      if (apply.immediate()) applied.push(m.version);
    } finally {
      if (enforcing) c.pragma('foreign_keys = ON');
    }
  }
  return { from, to: sqliteSchemaVersion(db), applied };
}

/** `"name"` quoted as an SQL identifier (names are validated before they get here). */
export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

export async function pgSchemaVersion(c: Pick<PoolClient, 'query'>): Promise<number> {
  const exists = await c.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
  if (!exists.rows[0]?.t) return 0;
  const row = await c.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
  return row.rows[0]?.v ?? 0;
}

/** Migrates the database's schema, creating it first when `createSchema` (a configured DATABASE_SCHEMA). */
export async function migratePostgres(
  db: PostgresDb,
  migrations: readonly Migration[],
  opts: { createSchema: boolean; now?: () => number },
): Promise<MigrationResult> {
  const latest = checkOrder(migrations);
  const now = opts.now ?? Date.now;
  return db.withConnection(async (c) => {
    if (!opts.createSchema) db.schema = (await c.query<{ s: string | null }>('SELECT current_schema() AS s')).rows[0]?.s ?? 'public';
    const key = lockName(db.schema, 'migrate');
    await c.query('SELECT pg_advisory_lock(hashtext($1))', [key]);
    try {
      if (opts.createSchema) await c.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(db.schema)}`);
      await c.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)',
      );
      const from = await pgSchemaVersion(c);
      if (from > latest) throw tooNew(from, latest);
      const applied: number[] = [];
      for (const m of migrations) {
        if (m.version <= from) continue;
        await c.query('BEGIN');
        try {
          await c.query(m.postgres);
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
  });
}
