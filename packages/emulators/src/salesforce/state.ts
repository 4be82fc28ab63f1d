/**
 * The org's data: one table per sObject, counters for Ids and auto-numbers. Records are treated
 * as immutable (every write stores a new object). An allOrNone rollback undoes the writes made
 * since its savepoint, from an undo log kept only while a savepoint is open (copying the tables
 * instead made every composite call cost as much as the org is large). Lookups by field value
 * (External Ids, unique fields, usernames) use an index built on first use of that field.
 */
import { allObjects } from './schema.js';
import type { ObjectDef } from './schema.js';
import { mintId } from './util.js';
import type { RecordChange, SfRecord } from './records.js';

export type { SfRecord } from './records.js';

/** A duplicate rule of the org (duplicate-rules.ts applies them on insert). */
export interface DuplicateRule {
  /** The duplicate rule's developer name, e.g. `Standard_Contact_Duplicate_Rule`. */
  name: string;
  object: 'Contact' | 'Account';
  matchOn: 'email' | 'name';
  /** `block`: never saved; `alert`: saved when the request allows it (allowSave=true). */
  action: 'block' | 'alert';
  /** The alert text the administrator configured. */
  message?: string;
}

interface Undo {
  table: string;
  id: string;
  /** The record before the write; undefined when the write created it. */
  prev: SfRecord | undefined;
}

const lower = (v: unknown): string | undefined => (typeof v === 'string' ? v.toLowerCase() : undefined);

export class OrgState {
  /** Table per object API name, keyed by 18-character Id, in insertion order. */
  private tables = new Map<string, Map<string, SfRecord>>();
  private counters = new Map<string, number>();
  /** Changes of the open transaction (see `transaction`), in order; null outside one. */
  private journal: RecordChange[] | null = null;
  /** The open DML statement (see `statement`); null: each write is a statement of its own. */
  private openStatement: number | null = null;
  private statements = 0;
  /** Writes since the outermost open savepoint, to undo them; null when none is open. */
  private undo: Undo[] | null = null;
  /** Object name -> field -> lower-cased value -> Ids, for the fields `findBy` has been asked about. */
  private indexes = new Map<string, Map<string, Map<string, Set<string>>>>();
  /**
   * Fields the integration user cannot see (field-level security), as `Object.Field` in lower
   * case: left out of the object's describe (admin `PUT /__admin/fields/hidden`). Queries and
   * writes still accept them.
   */
  readonly hiddenFields = new Set<string>();
  /** Active duplicate rules (admin `PUT /__admin/duplicate-rules`; duplicate-rules.ts). */
  duplicateRules: readonly DuplicateRule[] = [];
  /** Person Accounts enabled in the org (admin `PUT /__admin/person-accounts`; person-accounts.ts). */
  personAccounts = false;

  constructor(
    readonly orgId: string,
    readonly orgName: string,
  ) {
    this.clear();
  }

  /** Everything (records and counters) as plain JSON, for the sandbox to keep across restarts. */
  toJSON(): { tables: Record<string, SfRecord[]>; counters: Record<string, number> } {
    return { tables: this.dump(), counters: Object.fromEntries(this.counters) };
  }

  /** Replaces the state with one `toJSON()` produced; unknown objects are ignored. */
  load(saved: { tables: Record<string, SfRecord[]>; counters: Record<string, number> }): void {
    this.clear();
    for (const [name, records] of Object.entries(saved.tables)) {
      const table = this.tables.get(name);
      if (!table) continue;
      for (const r of records) table.set(r.Id, r);
    }
    this.indexes = new Map();
    this.counters = new Map(Object.entries(saved.counters));
  }

  clear(): void {
    this.tables = new Map(allObjects().map((d) => [d.name, new Map()]));
    this.counters = new Map();
    this.indexes = new Map();
  }

  /** Next value of a named counter (Ids per prefix, CaseNumber, auto-numbers). */
  next(counter: string, start = 1): number {
    const n = (this.counters.get(counter) ?? start - 1) + 1;
    this.counters.set(counter, n);
    return n;
  }

  newId(prefix: string): string {
    return mintId(prefix, this.next(`id:${prefix}`));
  }

  table(def: ObjectDef | string): Map<string, SfRecord> {
    const name = typeof def === 'string' ? def : def.name;
    const t = this.tables.get(name);
    if (!t) throw new Error(`unknown object ${name}`);
    return t;
  }

  get(def: ObjectDef | string, id: string): SfRecord | undefined {
    return this.table(def).get(id);
  }

  all(def: ObjectDef | string): SfRecord[] {
    return [...this.table(def).values()];
  }

  /** Records whose `field` equals `value`, compared case-insensitively (unique text fields are). */
  findBy(def: ObjectDef | string, field: string, value: string): SfRecord[] {
    const name = typeof def === 'string' ? def : def.name;
    const table = this.table(name);
    let fields = this.indexes.get(name);
    if (!fields) this.indexes.set(name, (fields = new Map()));
    let index = fields.get(field);
    if (!index) {
      fields.set(field, (index = new Map()));
      for (const r of table.values()) this.indexAdd(index, lower(r[field]), r.Id);
    }
    const ids = index.get(value.toLowerCase());
    return ids ? [...ids].map((id) => table.get(id)!) : [];
  }

  private indexAdd(index: Map<string, Set<string>>, v: string | undefined, id: string): void {
    if (v === undefined) return;
    let ids = index.get(v);
    if (!ids) index.set(v, (ids = new Set()));
    ids.add(id);
  }

  /** Stores (or, with `rec` undefined, deletes) a record, logging how to undo it. */
  private write(name: string, id: string, rec: SfRecord | undefined): void {
    this.undo?.push({ table: name, id, prev: this.table(name).get(id) });
    this.apply(name, id, rec);
  }

  /** Stores or deletes a record and keeps the field indexes in step. */
  private apply(name: string, id: string, rec: SfRecord | undefined): void {
    const table = this.table(name);
    const prev = table.get(id);
    if (rec) table.set(id, rec);
    else table.delete(id);
    for (const [field, index] of this.indexes.get(name) ?? []) {
      const before = lower(prev?.[field]);
      const after = lower(rec?.[field]);
      if (before === after) continue;
      if (before !== undefined) {
        const ids = index.get(before);
        ids?.delete(id);
        if (ids?.size === 0) index.delete(before);
      }
      this.indexAdd(index, after, id);
    }
  }

  /** Only `writeRecord` (write.ts) should call these two. */
  put(def: ObjectDef, rec: SfRecord): void {
    this.write(def.name, rec.Id, Object.freeze(rec) as SfRecord);
  }

  remove(def: ObjectDef, id: string): void {
    this.write(def.name, id, undefined);
  }

  /**
   * Records a write in the open transaction's journal (writeRecord calls it), tagged with its DML
   * statement: the open one, or a new one for a write outside `statement`.
   */
  journalChange(change: RecordChange): void {
    this.journal?.push({ ...change, statement: this.openStatement ?? ++this.statements });
  }

  /**
   * Runs `fn` as one DML statement (an sObject Collections call): its writes share a statement
   * number, which is how trigger emulation cuts them into trigger invocations. Nested calls join
   * the open statement.
   */
  statement<T>(fn: () => T): T {
    if (this.openStatement !== null) return fn();
    this.openStatement = ++this.statements;
    try {
      return fn();
    } finally {
      this.openStatement = null;
    }
  }

  /**
   * Runs `fn` as one transaction and returns its result with the record changes it committed, in
   * order (what after-triggers see). Nested calls join the outer transaction and report nothing.
   */
  transaction<T>(fn: () => T): { result: T; changes: RecordChange[] } {
    if (this.journal) return { result: fn(), changes: [] };
    this.journal = [];
    try {
      const result = fn();
      return { result, changes: this.journal };
    } finally {
      this.journal = null;
    }
  }

  /**
   * Runs `fn` with a savepoint: calling `rollback()` inside it undoes every record write `fn`
   * made so far, and forgets those changes in the open transaction's journal (rolled-back writes
   * never happened, so their triggers never run). Like Salesforce, a rollback does not give back
   * Ids or auto-numbers already used. Savepoints nest.
   */
  savepoint<T>(fn: (rollback: () => void) => T): T {
    const outermost = this.undo === null;
    const log = (this.undo ??= []);
    const undoMark = log.length;
    const journalMark = this.journal?.length ?? 0;
    const rollback = () => {
      while (log.length > undoMark) {
        const u = log.pop()!;
        this.apply(u.table, u.id, u.prev);
      }
      if (this.journal) this.journal.length = Math.min(this.journal.length, journalMark);
    };
    try {
      return fn(rollback);
    } finally {
      if (outermost) this.undo = null;
    }
  }

  /** Every record, grouped by object: what GET /__admin/state answers. */
  dump(): Record<string, SfRecord[]> {
    return Object.fromEntries([...this.tables].map(([k, t]) => [k, [...t.values()]]));
  }
}
