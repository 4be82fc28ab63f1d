/**
 * Change Data Capture events as Pub/Sub API delivers them: Avro records whose first field is the
 * ChangeEventHeader, then one nullable field per field of the object. The header's changedFields,
 * diffFields and nulledFields are bitmaps (Pub/Sub API guide, "Event Deserialization
 * Considerations"): the first string, "0x...", is a hex number whose bit i (least significant
 * first) stands for the field at position i of the event's schema; a string "p-0x..." does the
 * same for the fields of the compound field at position p.
 */
export const CHANGE_TYPES = [
  'CREATE',
  'UPDATE',
  'DELETE',
  'UNDELETE',
  'GAP_CREATE',
  'GAP_UPDATE',
  'GAP_DELETE',
  'GAP_UNDELETE',
  'GAP_OVERFLOW',
] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

export interface ChangeEventHeader {
  entityName: string;
  recordIds: string[];
  changeType: ChangeType;
  changeOrigin: string;
  transactionKey: string;
  sequenceNumber: number;
  /** Milliseconds since the epoch. */
  commitTimestamp: number;
  commitNumber: number;
  commitUser: string;
  nulledFields: string[];
  diffFields: string[];
  changedFields: string[];
}

/** The ChangeEventHeader record of every change event's schema (namespace com.sforce.eventbus). */
export const CHANGE_EVENT_HEADER_SCHEMA = {
  type: 'record',
  name: 'ChangeEventHeader',
  namespace: 'com.sforce.eventbus',
  fields: [
    { name: 'entityName', type: 'string' },
    { name: 'recordIds', type: { type: 'array', items: 'string' } },
    { name: 'changeType', type: { type: 'enum', name: 'ChangeType', namespace: 'com.sforce.eventbus', symbols: [...CHANGE_TYPES] } },
    { name: 'changeOrigin', type: 'string' },
    { name: 'transactionKey', type: 'string' },
    { name: 'sequenceNumber', type: 'int' },
    { name: 'commitTimestamp', type: 'long' },
    { name: 'commitNumber', type: 'long' },
    { name: 'commitUser', type: 'string' },
    { name: 'nulledFields', type: { type: 'array', items: 'string' } },
    { name: 'diffFields', type: { type: 'array', items: 'string' } },
    { name: 'changedFields', type: { type: 'array', items: 'string' } },
  ],
} as const;

/** "0x..." with the bits of `positions` set, in whole bytes, as Salesforce writes it. */
export function encodeFieldBitmap(positions: readonly number[]): string {
  let n = 0n;
  for (const p of positions) {
    if (!Number.isInteger(p) || p < 0) throw new Error(`a field position is a whole number >= 0, not ${p}`);
    n |= 1n << BigInt(p);
  }
  const hex = n.toString(16).toUpperCase();
  return `0x${hex.length % 2 === 1 ? `0${hex}` : hex}`;
}

/** The positions whose bits are set in "0x...", lowest first. */
export function decodeFieldBitmap(bitmap: string): number[] {
  if (!/^0x[0-9a-fA-F]+$/.test(bitmap)) throw new Error(`not a field bitmap: ${JSON.stringify(bitmap)}`);
  let n = BigInt(bitmap);
  const out: number[] = [];
  for (let i = 0; n > 0n; i++, n >>= 1n) if (n & 1n) out.push(i);
  return out;
}

interface SchemaField {
  name: string;
  type: unknown;
}

/** The record a field holds, when it holds one (directly or as the non-null branch of a union). */
function recordFields(type: unknown): SchemaField[] | undefined {
  const branches = Array.isArray(type) ? type : [type];
  for (const b of branches) {
    if (b && typeof b === 'object' && (b as { type?: unknown }).type === 'record') return (b as { fields: SchemaField[] }).fields;
  }
  return undefined;
}

/**
 * The names a bitmap field lists, for an event of schema `fields` (the top-level fields of the
 * parsed schema JSON). Compound fields' members come out as "Parent.Member".
 */
export function fieldNamesOf(fields: readonly SchemaField[], bitmaps: readonly string[]): string[] {
  const names: string[] = [];
  for (const bitmap of bitmaps) {
    const dash = bitmap.indexOf('-');
    if (dash < 0) {
      for (const p of decodeFieldBitmap(bitmap)) if (fields[p]) names.push(fields[p].name);
      continue;
    }
    const parent = fields[Number(bitmap.slice(0, dash))];
    const members = parent && recordFields(parent.type);
    if (!members) continue;
    for (const p of decodeFieldBitmap(bitmap.slice(dash + 1))) if (members[p]) names.push(`${parent.name}.${members[p].name}`);
  }
  return names;
}
