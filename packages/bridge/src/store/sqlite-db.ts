/**
 * The SQLite driver of the query layer (sql.ts), over better-sqlite3: one file, WAL journal
 * (readers never block the writer), `busy_timeout` (a second process waits for the write lock
 * instead of failing), foreign keys on. better-sqlite3 is synchronous, so a body runs to its end
 * within one event-loop turn and is atomic within this process; writes also run in IMMEDIATE
 * transactions, which take the write lock up front, so they stay atomic across processes sharing
 * the file.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { classified, Notices, runBodySync, type Body, type Db, type Notice, type Query, type Step } from './sql.js';

export interface SqliteDbOptions {
  /** Path of the database file; its directory is created if missing. */
  file: string;
  /** How long a connection waits for another's write lock before failing (default 5 s). */
  busyTimeoutMs?: number;
  /**
   * `NORMAL` (default): with WAL, a commit survives a crash of the process, and the database
   * never corrupts; only a power loss can drop the last commits. `FULL` also fsyncs every commit
   * (survives power loss, costs a disk flush per write). https://www.sqlite.org/pragma.html#pragma_synchronous
   */
  synchronous?: 'NORMAL' | 'FULL';
  /**
   * Group commit (default true): the writes of one event-loop turn share one transaction and one
   * commit (see `write`). False: a transaction per write.
   */
  groupCommit?: boolean;
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/** The writes of one event-loop turn, waiting for their shared COMMIT. */
class WriteGroup {
  readonly committed: Promise<void>;
  done!: () => void;
  fail!: (err: unknown) => void;

  constructor() {
    this.committed = new Promise<void>((resolve, reject) => {
      this.done = resolve;
      this.fail = reject;
    });
    // A group whose only write threw has no one waiting on it.
    this.committed.catch(() => {});
  }
}

/** Row locks mean nothing to SQLite (its write transaction holds the whole database): dropped. */
const ROW_LOCK = /\s+FOR\s+UPDATE(\s+SKIP\s+LOCKED)?\b/gi;

export class SqliteDb implements Db {
  readonly dialect = 'sqlite';
  readonly connection: Database.Database;
  /** Prepared statements by SQL text: preparing costs more than running on the hot path. */
  private readonly statements = new Map<string, Database.Statement>();
  /** One transaction wrapper for all: better-sqlite3 prepares BEGIN/COMMIT per wrapper it makes. */
  private runTx?: Database.Transaction<(f: () => unknown) => unknown>;
  private readonly groupCommit: boolean;
  /** The open group transaction of this event-loop turn, if any (see `write`). */
  private group?: WriteGroup;

  constructor(opts: SqliteDbOptions) {
    this.groupCommit = opts.groupCommit ?? true;
    mkdirSync(dirname(opts.file), { recursive: true });
    // The caller may migrate at once: no group of this process may hold the lock meanwhile.
    SqliteDb.commitOpenGroups();
    this.connection = new Database(opts.file);
    try {
      this.connection.pragma('journal_mode = WAL');
      this.connection.pragma(`busy_timeout = ${Math.trunc(opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS)}`);
      this.connection.pragma('foreign_keys = ON');
      this.connection.pragma(`synchronous = ${opts.synchronous ?? 'NORMAL'}`);
    } catch (err) {
      this.connection.close();
      throw err;
    }
  }

  private readonly notices = new Notices();

  read<T>(body: () => Body<T>): Promise<T> {
    return classified(async () => {
      const notices: Notice[] = [];
      const result = runBodySync(body(), this.collecting(notices));
      this.notices.deliver(notices);
      return result;
    });
  }

  listen(topic: string, listener: (value: unknown) => void): () => void {
    return this.notices.listen(topic, listener);
  }

  /**
   * Runs the body as one atomic write, and settles once it is committed.
   *
   * With group commit (the default; docs/decisions.md), the writes of one event-loop turn share
   * one `BEGIN IMMEDIATE` transaction, committed when the turn's I/O callbacks have run (a
   * `setImmediate`). Each write runs in a savepoint of it, so one that throws undoes only itself
   * and rejects at once; the others resolve only after the COMMIT, so no caller ever acts on a
   * write that is not in the database yet. A COMMIT that fails rejects every write of its group,
   * and none of them is kept. Reads on this connection see the open group's writes; other
   * connections see them after the commit, as with a transaction per write.
   */
  write<T>(body: () => Body<T>): Promise<T> {
    return classified(async () => {
      const notices: Notice[] = [];
      const fn = () => runBodySync(body(), this.collecting(notices));
      if (!this.groupCommit) {
        SqliteDb.commitOpenGroups();
        const committed = this.wrapper.immediate(fn) as T;
        this.notices.deliver(notices);
        return committed;
      }
      // SQLite rolls a whole transaction back on its own after some I/O and memory errors: then
      // the open group's writes are gone, and commitGroup says so to each of them.
      if (this.group && !this.connection.inTransaction) this.commitGroup(this.group);
      const group = this.group ?? this.openGroup();
      // Inside the open transaction, better-sqlite3 runs the wrapper as a savepoint.
      const result = this.wrapper(fn) as T;
      await group.committed;
      this.notices.deliver(notices);
      return result;
    });
  }

  async close(): Promise<void> {
    if (this.group) this.commitGroup(this.group);
    if (this.connection.open) this.connection.close();
  }

  /** Commits this connection's open group now (before work on the raw connection). */
  commitNow(): void {
    if (this.group) this.commitGroup(this.group);
  }

  /** Runs the steps of one body; its notices go to `notices`, to be delivered after the commit. */
  private collecting(notices: Notice[]): (step: Step) => unknown {
    return (step) => {
      if (step.op === 'notify') notices.push(step);
      else if (step.op !== 'lock') return this.exec(step);
      return undefined;
    };
  }

  /** Runs one query; the statement is prepared once per SQL text. */
  private exec(step: Query): unknown {
    const st = this.statement(step.text);
    switch (step.op) {
      case 'get':
        return st.get(...step.params);
      case 'all':
        return st.all(...step.params);
      case 'run':
        return st.run(...step.params).changes;
    }
  }

  private statement(text: string): Database.Statement {
    let st = this.statements.get(text);
    if (!st) {
      st = this.connection.prepare(text.replace(ROW_LOCK, ''));
      this.statements.set(text, st);
    }
    return st;
  }

  private get wrapper(): Database.Transaction<(f: () => unknown) => unknown> {
    return (this.runTx ??= this.connection.transaction((f: () => unknown) => f()));
  }

  /**
   * Connections of this process with an open group. Another connection of this process waiting
   * for the write lock that one of them holds would wait forever: its wait blocks the event loop,
   * so the turn never ends and the group never commits. So a connection commits every other
   * one's open group before it takes the lock (tests and the CLI open several stores on one file;
   * another process just waits for the end of this one's turn, `busy_timeout`).
   */
  private static readonly withOpenGroup = new Set<SqliteDb>();

  /** Commits the open group of every connection in this process (before another one writes). */
  static commitOpenGroups(except?: SqliteDb): void {
    for (const db of SqliteDb.withOpenGroup) if (db !== except && db.group) db.commitGroup(db.group);
  }

  private openGroup(): WriteGroup {
    SqliteDb.commitOpenGroups(this);
    this.statement('BEGIN IMMEDIATE').run();
    const group = new WriteGroup();
    this.group = group;
    SqliteDb.withOpenGroup.add(this);
    setImmediate(() => this.commitGroup(group));
    return group;
  }

  /** Commits the group if it is still the open one (close() may have committed it already). */
  private commitGroup(group: WriteGroup): void {
    if (this.group !== group) return;
    this.group = undefined;
    SqliteDb.withOpenGroup.delete(this);
    if (!this.connection.inTransaction) {
      group.fail(new Error('[store] SQLite rolled back the transaction these writes were in; nothing of them was kept'));
      return;
    }
    try {
      this.statement('COMMIT').run();
      group.done();
    } catch (err) {
      if (this.connection.inTransaction) this.statement('ROLLBACK').run();
      group.fail(err);
    }
  }
}
