/**
 * Applies SQLite migrations: a `schema_migrations` table records each applied version; every
 * pending migration runs in its own IMMEDIATE transaction (so two processes starting at once do
 * not both apply it: the second waits on the write lock, then sees the version and skips).
 */
import type { Database } from 'better-sqlite3';
import type { Migration } from './migrations/index.js';

export interface MigrationResult {
  from: number;
  to: number;
  applied: number[];
}

export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.reduce((max, m) => Math.max(max, m.version), 0);
}

export function schemaVersion(db: Database): number {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!exists) return 0;
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}

export function migrateSqlite(db: Database, migrations: readonly Migration[], now: () => number = Date.now): MigrationResult {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`[store] migrations must be numbered 1, 2, 3... in order (found ${m.version} at position ${i + 1})`);
  });
  const latest = latestVersion(migrations);
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const from = schemaVersion(db);
  if (from > latest) {
    throw new Error(`[store] the database is at schema version ${from}, newer than this bridge knows (${latest}): run a newer bridge, or restore a backup`);
  }
  const applied: number[] = [];
  for (const m of migrations) {
    const apply = db.transaction(() => {
      if (schemaVersion(db) >= m.version) return false;
      db.exec(m.sql);
      if (m.foreignKeysOff) {
        const broken = db.prepare('PRAGMA foreign_key_check').all();
        if (broken.length > 0) throw new Error(`[store] migration ${m.version} would break ${broken.length} foreign key reference(s), e.g. ${JSON.stringify(broken[0])}; nothing was changed`);
      }
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, now());
      return true;
    });
    // The pragma is a no-op inside a transaction, so it is set around it (and put back after).
    const enforcing = m.foreignKeysOff && db.pragma('foreign_keys', { simple: true }) === 1;
    if (enforcing) db.pragma('foreign_keys = OFF');
    try {
      if (apply.immediate()) applied.push(m.version);
    } finally {
      if (enforcing) db.pragma('foreign_keys = ON');
    }
  }
  return { from, to: schemaVersion(db), applied };
}
