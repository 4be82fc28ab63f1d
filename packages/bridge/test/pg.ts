/**
 * PostgreSQL for tests: the server at 127.0.0.1:5432 (database `test`, trust auth, the OS user;
 * `.ci/run` makes sure it is up), or TEST_DATABASE_URL. Every test gets its own schema
 * (`t_<random>`), dropped when it ends, so test files running in parallel never see each other's
 * rows. When the server cannot be reached, `pgUnavailable()` says why, and the PG tests skip
 * loudly through `requireAvailable` (under CI=true they fail instead).
 */
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import type { TestContext } from 'node:test';
import pg from 'pg';

export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? `postgres://${encodeURIComponent(userInfo().username)}@127.0.0.1:5432/test`;

export const PG_HOW_TO =
  'PostgreSQL is not reachable at 127.0.0.1:5432 (database "test"): start it (`pg_ctlcluster --skip-systemctl-redirect <version> main start`, or `bash .ci/run`, which installs and starts it), or set TEST_DATABASE_URL';

let probe: Promise<string | null> | undefined;

/** Null when PostgreSQL answers; otherwise why not (for the loud skip). */
export function pgUnavailable(): Promise<string | null> {
  probe ??= (async () => {
    const c = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3_000 });
    try {
      await c.connect();
      await c.query('SELECT 1');
      return null;
    } catch (err) {
      return `${PG_HOW_TO} (${(err as Error).message})`;
    } finally {
      await c.end().catch(() => undefined);
    }
  })();
  return probe;
}

/** Runs SQL on its own connection (search_path = `schema` when given). */
export async function pgExec(sql: string, opts: { schema?: string; params?: unknown[] } = {}): Promise<pg.QueryResultRow[]> {
  const c = new pg.Client({ connectionString: TEST_DATABASE_URL, ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}) });
  await c.connect();
  try {
    return (await c.query(sql, opts.params)).rows;
  } finally {
    await c.end();
  }
}

/** A fresh schema name; the schema itself is created by the store (or `create: true`) and dropped after the test. */
export async function pgTestSchema(t: TestContext, opts: { create?: boolean } = {}): Promise<string> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  if (opts.create) await pgExec(`CREATE SCHEMA ${schema}`);
  // A failing hook would keep the later ones (which stop the bridges) from running, so a drop that
  // loses a lock race with a process still going away is tried again, then left to the next run.
  t.after(async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        await pgExec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        return;
      } catch (err) {
        if (attempt === 3) {
          t.diagnostic(`schema ${schema} not dropped: ${(err as Error).message}`);
          return;
        }
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  });
  return schema;
}

/** The environment that points a bridge at a test schema. */
export function pgEnv(schema: string, poolSize = 4): Record<string, string> {
  return { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, DATABASE_POOL_SIZE: String(poolSize) };
}
