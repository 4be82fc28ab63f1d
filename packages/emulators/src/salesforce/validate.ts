/**
 * Turns a request body into canonical field values, with the errors Salesforce gives for the
 * problems it finds while reading the body: unknown field (INVALID_FIELD), read-only field
 * (INVALID_FIELD_FOR_INSERT_UPDATE), wrong JSON type (JSON_PARSER_ERROR), too long
 * (STRING_TOO_LONG), bad Id (MALFORMED_ID), Id of the wrong object (FIELD_INTEGRITY_EXCEPTION),
 * bad email, bad restricted picklist value. Checks that need other records live in write.ts.
 */
import { isSalesforceId, to18 } from '@sbsf/salesforce';
import { apiError } from './api-error.js';
import { FOREIGN_PREFIXES, fieldDef, objectDef } from './schema.js';
import type { FieldDef, ObjectDef } from './schema.js';
import { formatDateTime, parseDateTime } from './util.js';

export type WriteOp = 'insert' | 'update';

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'START_ARRAY';
  if (v && typeof v === 'object') return 'START_OBJECT';
  if (typeof v === 'string') return 'VALUE_STRING';
  if (typeof v === 'number') return Number.isInteger(v) ? 'VALUE_NUMBER_INT' : 'VALUE_NUMBER_FLOAT';
  if (typeof v === 'boolean') return v ? 'VALUE_TRUE' : 'VALUE_FALSE';
  return 'VALUE_NULL';
}

function cannotDeserialize(what: string, v: unknown): never {
  const shown = typeof v === 'object' ? (Array.isArray(v) ? '[' : '{') : String(v);
  throw apiError(
    400,
    'JSON_PARSER_ERROR',
    `Cannot deserialize instance of ${what} from ${jsonKind(v)} value ${shown} or request may be missing a required field`,
  );
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Key prefixes a reference field accepts. */
export function referencePrefixes(fd: FieldDef): string[] {
  return (fd.referenceTo ?? []).map((o) => objectDef(o)?.keyPrefix ?? FOREIGN_PREFIXES[o] ?? '???');
}

function coerceText(fd: FieldDef, v: unknown): string | null {
  if (typeof v === 'number' || typeof v === 'boolean') v = String(v);
  if (typeof v !== 'string') cannotDeserialize('string', v);
  const s = v as string;
  // Salesforce stores an empty string in a text field as null.
  if (s === '') return null;
  const max = fd.length ?? 255;
  if (s.length > max) {
    throw apiError(400, 'STRING_TOO_LONG', `${fd.label}: data value too large: ${s.slice(0, 100)} (max length=${max})`, [fd.name]);
  }
  return s;
}

/** One value, converted to what is stored; throws the API's error for a bad one. */
export function coerceValue(fd: FieldDef, v: unknown): unknown {
  if (v === null) return null;
  switch (fd.type) {
    case 'string':
    case 'textarea':
    case 'phone':
    case 'url':
      return coerceText(fd, v);
    case 'email': {
      const s = coerceText(fd, v);
      if (s !== null && !EMAIL_RE.test(s)) {
        throw apiError(400, 'INVALID_EMAIL_ADDRESS', `${fd.label}: invalid email address: ${s}`, [fd.name]);
      }
      return s;
    }
    case 'picklist': {
      const s = coerceText(fd, v);
      if (s !== null && fd.restricted && !fd.picklist?.includes(s)) {
        throw apiError(400, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `${fd.label}: bad value for restricted picklist field: ${s}`, [
          fd.name,
        ]);
      }
      return s;
    }
    case 'boolean':
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === 'false') return v === 'true';
      return cannotDeserialize('boolean', v);
    case 'double':
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      return cannotDeserialize('double', v);
    case 'int':
      if (typeof v === 'number' && Number.isInteger(v)) return v;
      return cannotDeserialize('int', v);
    case 'base64': {
      // A blob field takes base64 text (whitespace allowed, as MIME line breaks).
      if (typeof v !== 'string') return cannotDeserialize('base64', v);
      const compact = v.replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) {
        throw apiError(400, 'JSON_PARSER_ERROR', `${fd.label}: the value is not valid base64 data`, [fd.name]);
      }
      return compact === '' ? null : compact;
    }
    case 'datetime': {
      const ms = typeof v === 'string' ? parseDateTime(v) : Number.NaN;
      if (Number.isNaN(ms)) cannotDeserialize('datetime', v);
      return formatDateTime(ms);
    }
    case 'reference': {
      if (typeof v !== 'string') return cannotDeserialize('id', v);
      if (v === '') return null;
      if (!isSalesforceId(v)) throw apiError(400, 'MALFORMED_ID', `${fd.label}: id value of incorrect type: ${v}`, [fd.name]);
      if (!referencePrefixes(fd).includes(v.slice(0, 3))) {
        throw apiError(400, 'FIELD_INTEGRITY_EXCEPTION', `${fd.label}: id value of incorrect type: ${v}`, [fd.name]);
      }
      return to18(v);
    }
    default:
      return v;
  }
}

/** Reads a body for an insert or update into canonical field names and stored values. */
export function coerceFields(def: ObjectDef, input: unknown, op: WriteOp): Record<string, unknown> {
  if (!input || typeof input !== 'object' || Array.isArray(input)) cannotDeserialize(def.name, input);
  const out: Record<string, unknown> = {};
  const readOnly: string[] = [];
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    if (key === 'attributes') continue;
    const fd = fieldDef(def, key);
    if (!fd) throw apiError(400, 'INVALID_FIELD', `No such column '${key}' on sobject of type ${def.name}`);
    if (fd.name === 'Id') {
      // Documented example: "The Id field should not be specified in the sobject data."
      if (op === 'insert') throw apiError(400, 'INVALID_FIELD', 'The Id field should not be specified in the sobject data.');
      continue;
    }
    if (op === 'insert' ? !fd.createable : !fd.updateable) {
      readOnly.push(fd.name);
      continue;
    }
    out[fd.name] = coerceValue(fd, value);
  }
  if (readOnly.length) {
    throw apiError(
      400,
      'INVALID_FIELD_FOR_INSERT_UPDATE',
      `Unable to create/update fields: ${readOnly.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
      readOnly,
    );
  }
  return out;
}
