/**
 * Change Data Capture as the emulated org produces it: the event schema of each selected object,
 * and the change events a committed transaction publishes (Change Data Capture Developer Guide,
 * "ChangeEventHeader Fields", "Merged Change Events", "Overflow Events", "Gap Events").
 *
 * - Schema: record `<Object>ChangeEvent` in namespace com.sforce.eventbus; its first field is the
 *   ChangeEventHeader, then one nullable field (default null) per field of the object's describe,
 *   in describe order, without Id (the header's recordIds carry it), IsDeleted and SystemModstamp.
 *   Field types in Avro: text-like -> string, boolean, datetime -> long (epoch ms), double, int,
 *   base64 -> bytes. The schema id is a fingerprint of the schema JSON.
 * - Events, per transaction, in commit order: CREATE carries every non-null field; UPDATE carries
 *   the changed fields' new values (the others null), `changedFields` as a bitmap of their schema
 *   positions, and `nulledFields` for those set to null; DELETE carries the header only. Changes of
 *   one object with the same type and the same values share one event (`recordIds` lists them).
 *   Past `overflowThreshold` changes (a create or delete counts one, an update one per changed
 *   field), the rest become one GAP_OVERFLOW event per object: header only, no record ids.
 * - Header: entityName, changeType, changeOrigin, one transactionKey (uuid) per transaction,
 *   sequenceNumber 1.. within it, commitTimestamp (ms), commitNumber, commitUser.
 */
import { createHash, randomUUID } from 'node:crypto';
import avro from 'avsc';
import type { Schema as AvroSchema, Type as AvroType } from 'avsc';
import { CHANGE_EVENT_HEADER_SCHEMA, encodeFieldBitmap, type ChangeEventHeader, type ChangeType } from '@sbsf/salesforce/pubsub';
import type { RecordChange, SfRecord } from '../records.js';
import { objectDef, type FieldDef, type FieldType, type ObjectDef } from '../schema.js';
import { parseDateTime } from '../util.js';

/** Salesforce's documented threshold: a transaction's first 100,000 changes become change events. */
export const CDC_OVERFLOW_THRESHOLD = 100_000;

/** Fields a change event never carries. */
const LEFT_OUT = new Set(['Id', 'IsDeleted', 'SystemModstamp']);

const AVRO_TYPE: Record<FieldType, string> = {
  id: 'string',
  string: 'string',
  textarea: 'string',
  email: 'string',
  phone: 'string',
  url: 'string',
  picklist: 'string',
  reference: 'string',
  autonumber: 'string',
  boolean: 'boolean',
  datetime: 'long',
  double: 'double',
  int: 'int',
  base64: 'bytes',
};

/** The channel of an object's change events: /data/CaseChangeEvent, /data/Thing__ChangeEvent. */
export function changeEventTopic(object: string): string {
  return `/data/${object.endsWith('__c') ? object.slice(0, -1) : object}ChangeEvent`;
}

/** One selected object's change-event schema, its Avro type and id. */
export class ChangeEventSchema {
  readonly topic: string;
  readonly fields: FieldDef[];
  readonly json: string;
  readonly id: string;
  private readonly type: AvroType;
  /** Field name -> position in the schema (the header is 0). */
  private readonly positions = new Map<string, number>();

  constructor(readonly def: ObjectDef) {
    this.topic = changeEventTopic(def.name);
    this.fields = [...def.fields.values()].filter((f) => !LEFT_OUT.has(f.name));
    const name = this.topic.slice('/data/'.length);
    const schema = {
      type: 'record',
      name,
      namespace: 'com.sforce.eventbus',
      fields: [
        { name: 'ChangeEventHeader', type: CHANGE_EVENT_HEADER_SCHEMA, doc: 'Data:EventHeader' },
        ...this.fields.map((f) => ({ name: f.name, type: ['null', AVRO_TYPE[f.type]], doc: `Data:${f.type}`, default: null })),
      ],
    };
    this.fields.forEach((f, i) => this.positions.set(f.name, i + 1));
    this.json = JSON.stringify(schema);
    // A fingerprint of the schema, as Salesforce's schema ids are (22 base64url characters).
    this.id = createHash('sha256').update(this.json).digest().subarray(0, 16).toString('base64url');
    this.type = avro.Type.forSchema(schema as AvroSchema);
  }

  position(field: string): number | undefined {
    return this.positions.get(field);
  }

  /** The Avro value of one record field. */
  value(f: FieldDef, v: unknown): unknown {
    if (v === null || v === undefined) return null;
    switch (f.type) {
      case 'datetime': {
        const ms = typeof v === 'string' ? parseDateTime(v) : Number.NaN;
        return Number.isNaN(ms) ? null : ms;
      }
      case 'boolean':
        return v === true;
      case 'double':
        return Number(v);
      case 'int':
        return Math.trunc(Number(v));
      case 'base64':
        return Buffer.from(String(v), 'base64');
      default:
        return String(v);
    }
  }

  encode(header: ChangeEventHeader, values: Record<string, unknown>): Buffer {
    const rec: Record<string, unknown> = { ChangeEventHeader: header };
    for (const f of this.fields) rec[f.name] = values[f.name] ?? null;
    return this.type.toBuffer(rec);
  }

  decode(payload: Buffer): Record<string, unknown> {
    return this.type.fromBuffer(payload) as Record<string, unknown>;
  }
}

/** A change event ready for the bus: which topic, its schema, its Avro payload, and its header (for tests and logs). */
export interface ChangeEventMessage {
  topic: string;
  schemaId: string;
  header: ChangeEventHeader;
  payload: Buffer;
}

/** What the transaction's commit says about itself. */
export interface CommitInfo {
  /** The user who made the changes (commitUser). */
  userId: string;
  /** changeOrigin: `com/salesforce/api/rest/62.0;client=X` for the REST API, '' otherwise. */
  changeOrigin: string;
  /** commitTimestamp, ms. */
  timestamp: number;
  commitNumber: number;
}

interface Pending {
  schema: ChangeEventSchema;
  changeType: ChangeType;
  recordIds: string[];
  values: Record<string, unknown>;
  changed: number[];
  nulled: number[];
  /** Records with the same key carry the same change and share one event. */
  key: string;
}

function changeOf(schema: ChangeEventSchema, c: RecordChange): Omit<Pending, 'key'> & { cost: number } {
  const id = (c.after ?? c.before)!.Id;
  if (!c.before && c.after) {
    const values: Record<string, unknown> = {};
    for (const f of schema.fields) values[f.name] = schema.value(f, c.after[f.name]);
    return { schema, changeType: 'CREATE', recordIds: [id], values, changed: [], nulled: [], cost: 1 };
  }
  if (c.before && !c.after) return { schema, changeType: 'DELETE', recordIds: [id], values: {}, changed: [], nulled: [], cost: 1 };
  const before = c.before as SfRecord;
  const after = c.after as SfRecord;
  const values: Record<string, unknown> = {};
  const changed: number[] = [];
  const nulled: number[] = [];
  for (const f of schema.fields) {
    const was = schema.value(f, before[f.name]);
    const now = schema.value(f, after[f.name]);
    if (Buffer.isBuffer(was) && Buffer.isBuffer(now) ? was.equals(now) : was === now) continue;
    const p = schema.position(f.name)!;
    changed.push(p);
    if (now === null) nulled.push(p);
    else values[f.name] = now;
  }
  return { schema, changeType: 'UPDATE', recordIds: [id], values, changed, nulled, cost: changed.length };
}

const keyOf = (p: Omit<Pending, 'key'>): string =>
  JSON.stringify([
    p.schema.topic,
    p.changeType,
    p.changed,
    p.nulled,
    Object.entries(p.values).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('base64') : v]),
  ]);

/**
 * The change events of one committed transaction. `schemaOf` names the selected objects (others
 * publish nothing). An update that changed no field of the schema publishes nothing.
 */
export function changeEvents(
  changes: readonly RecordChange[],
  schemaOf: (object: string) => ChangeEventSchema | undefined,
  commit: CommitInfo,
  overflowThreshold: number = CDC_OVERFLOW_THRESHOLD,
): ChangeEventMessage[] {
  const events: Pending[] = [];
  const byKey = new Map<string, Pending>();
  const overflow: ChangeEventSchema[] = [];
  let spent = 0;
  let overflowing = false;
  for (const c of changes) {
    const schema = schemaOf(c.def.name);
    if (!schema) continue;
    const change = changeOf(schema, c);
    if (change.changeType === 'UPDATE' && change.changed.length === 0) continue;
    if (overflowing || spent + change.cost > overflowThreshold) {
      overflowing = true;
      if (!overflow.includes(schema)) overflow.push(schema);
      continue;
    }
    spent += change.cost;
    const key = keyOf(change);
    const same = byKey.get(key);
    if (same) {
      same.recordIds.push(...change.recordIds);
      continue;
    }
    const pending = { ...change, key };
    byKey.set(key, pending);
    events.push(pending);
  }
  const transactionKey = randomUUID();
  let sequence = 0;
  const header = (
    entityName: string,
    changeType: ChangeType,
    recordIds: string[],
    changed: number[],
    nulled: number[],
  ): ChangeEventHeader => ({
    entityName,
    recordIds,
    changeType,
    changeOrigin: commit.changeOrigin,
    transactionKey,
    sequenceNumber: ++sequence,
    commitTimestamp: commit.timestamp,
    commitNumber: commit.commitNumber,
    commitUser: commit.userId,
    nulledFields: nulled.length ? [encodeFieldBitmap(nulled)] : [],
    diffFields: [],
    changedFields: changed.length ? [encodeFieldBitmap(changed)] : [],
  });
  const out: ChangeEventMessage[] = events.map((e) => {
    const h = header(e.schema.def.name, e.changeType, e.recordIds, e.changed, e.nulled);
    return { topic: e.schema.topic, schemaId: e.schema.id, header: h, payload: e.schema.encode(h, e.values) };
  });
  for (const schema of overflow) {
    const h = header(schema.def.name, 'GAP_OVERFLOW', [], [], []);
    out.push({ topic: schema.topic, schemaId: schema.id, header: h, payload: schema.encode(h, {}) });
  }
  return out;
}

/** A gap event (header only) for records changed outside the application servers. */
export function gapEvent(schema: ChangeEventSchema, changeType: ChangeType, recordIds: string[], commit: CommitInfo): ChangeEventMessage {
  const header: ChangeEventHeader = {
    entityName: schema.def.name,
    recordIds,
    changeType,
    changeOrigin: commit.changeOrigin,
    transactionKey: randomUUID(),
    // The guide's gap event example: "The sequenceNumber field is always set to 1."
    sequenceNumber: 1,
    commitTimestamp: commit.timestamp,
    commitNumber: commit.commitNumber,
    commitUser: commit.userId,
    nulledFields: [],
    diffFields: [],
    changedFields: [],
  };
  return { topic: schema.topic, schemaId: schema.id, header, payload: schema.encode(header, {}) };
}

/** The schemas of the objects selected for Change Data Capture; throws for an unknown object. */
export function selectedSchemas(objects: readonly string[]): Map<string, ChangeEventSchema> {
  const out = new Map<string, ChangeEventSchema>();
  for (const name of objects) {
    const def = objectDef(name);
    if (!def) throw new TypeError(`[salesforce-emulator] changeDataCapture: no object named ${JSON.stringify(name)} in the emulated org`);
    out.set(def.name, new ChangeEventSchema(def));
  }
  return out;
}
