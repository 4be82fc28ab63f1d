/**
 * The org's data: one table per sObject, counters for Ids and auto-numbers. Records are treated
 * as immutable (every write stores a new object), so a snapshot for allOrNone rollback is a
 * shallow copy of the tables.
 */
import { allObjects } from './schema.js';
import type { ObjectDef } from './schema.js';
import { mintId } from './util.js';
import type { RecordChange } from './write.js';

export type SfRecord = Record<string, unknown> & { Id: string };

/** Tables only: like Salesforce, a rollback does not give back Ids or auto-numbers already used. */
export interface Snapshot {
  tables: Map<string, Map<string, SfRecord>>;
  /** Length of the open transaction's journal, so a rollback also forgets its changes. */
  journalLength: number;
}

export class OrgState {
  /** Table per object API name, keyed by 18-character Id, in insertion order. */
  private tables = new Map<string, Map<string, SfRecord>>();
  private counters = new Map<string, number>();
  /** Changes of the open transaction (see `transaction`), in order; null outside one. */
  private journal: RecordChange[] | null = null;

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
    this.counters = new Map(Object.entries(saved.counters));
  }

  clear(): void {
    this.tables = new Map(allObjects().map((d) => [d.name, new Map()]));
    this.counters = new Map();
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
    const v = value.toLowerCase();
    return this.all(def).filter((r) => typeof r[field] === 'string' && (r[field] as string).toLowerCase() === v);
  }

  /** Only `writeRecord` (write.ts) should call these two. */
  put(def: ObjectDef, rec: SfRecord): void {
    this.table(def).set(rec.Id, Object.freeze(rec) as SfRecord);
  }

  remove(def: ObjectDef, id: string): void {
    this.table(def).delete(id);
  }

  /** Records a write in the open transaction's journal (writeRecord calls it). */
  journalChange(change: RecordChange): void {
    this.journal?.push(change);
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

  snapshot(): Snapshot {
    return { tables: new Map([...this.tables].map(([k, t]) => [k, new Map(t)])), journalLength: this.journal?.length ?? 0 };
  }

  restore(s: Snapshot): void {
    this.tables = new Map([...s.tables].map(([k, t]) => [k, new Map(t)]));
    // Rolled-back writes never happened, so their triggers never ran.
    if (this.journal) this.journal.length = Math.min(this.journal.length, s.journalLength);
  }

  /** Every record, grouped by object: what GET /__admin/state answers. */
  dump(): Record<string, SfRecord[]> {
    return Object.fromEntries([...this.tables].map(([k, t]) => [k, [...t.values()]]));
  }
}
