/**
 * Validates a `POST /salesforce/events` body against THE schema, salesforce-events.schema.json:
 * the bridge checks what it receives with it and the Salesforce emulator checks what it sends, so
 * both sides follow one file (and the Apex tests assert the same keys; see the contract test).
 *
 * A small interpreter of exactly the JSON Schema keywords that file uses (no dependency: the only
 * Ajv hoisted in this workspace is ESLint's v6, which predates draft 2020-12). A keyword it does
 * not know makes `compile` throw, so the schema cannot silently outgrow the validator.
 *
 * Server-side only (it reads the schema file): import it as `@sbsf/wire/salesforce-events-validate`,
 * never from the browser-safe `@sbsf/wire` index.
 */
import { readFileSync } from 'node:fs';
import type { SalesforceEventBatch } from './events.js';
import { truncateText } from './text.js';

export interface JsonSchema {
  $schema?: string;
  $id?: string;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  title?: string;
  description?: string;
  type?: 'object' | 'array' | 'string' | 'boolean' | 'null';
  const?: unknown;
  pattern?: string;
  format?: 'date-time' | 'salesforce-id';
  required?: string[];
  additionalProperties?: boolean;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  minItems?: number;
  oneOf?: JsonSchema[];
}

/** `invalid_id`: a malformed Salesforce Id (wrong length or characters, wrong checksum or letter case). */
export type BatchFailureCode = 'invalid_request' | 'invalid_id';

export type BatchValidation = { ok: true; value: SalesforceEventBatch } | { ok: false; field: string; message: string; code: BatchFailureCode };

const KNOWN = new Set([
  '$schema', '$id', '$ref', '$defs', 'title', 'description', 'type', 'const', 'pattern', 'format',
  'required', 'additionalProperties', 'properties', 'items', 'minItems', 'oneOf',
]);
const TYPES = new Set(['object', 'array', 'string', 'boolean', 'null']);
const FORMATS = new Set(['date-time', 'salesforce-id']);

const CHECKSUM_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/**
 * True when an 18-character Id's last 3 characters are the checksum of its first 15 (for each
 * 5-character chunk, a bitmask of its uppercase letters indexed into A..Z0..5); a 15-character Id
 * has none to check. The same rule as @sbsf/salesforce's `isSalesforceId`, restated here because
 * this package has no dependencies (a test checks that the two agree).
 */
export function salesforceIdChecksumOk(id: string): boolean {
  if (id.length === 15) return true;
  if (id.length !== 18) return false;
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    if (id[15 + chunk] !== CHECKSUM_ALPHABET[bits]) return false;
  }
  return true;
}

/** The schema the bridge and the emulator validate against (parsed once). */
export const SALESFORCE_EVENTS_SCHEMA = JSON.parse(readFileSync(new URL('./salesforce-events.schema.json', import.meta.url), 'utf8')) as JsonSchema;

interface Failure {
  path: string;
  message: string;
  /** A wrong JSON type at `path` (used to pick the most useful error among `oneOf` branches). */
  typeMismatch?: boolean;
  code?: BatchFailureCode;
}

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const child = (path: string, key: string | number): string => (typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`);

/** Throws when the schema uses a keyword or value this validator does not implement. */
export function checkSupported(schema: JsonSchema, where = '#'): void {
  for (const [k, v] of Object.entries(schema)) {
    if (!KNOWN.has(k)) throw new Error(`[wire] the event validator does not support the keyword "${k}" (at ${where})`);
    if (k === 'type' && !TYPES.has(v as string)) throw new Error(`[wire] the event validator does not support type "${String(v)}" (at ${where})`);
    if (k === 'format' && !FORMATS.has(v as string)) throw new Error(`[wire] the event validator does not support format "${String(v)}" (at ${where})`);
  }
  for (const [k, s] of Object.entries(schema.$defs ?? {})) checkSupported(s, `${where}/$defs/${k}`);
  for (const [k, s] of Object.entries(schema.properties ?? {})) checkSupported(s, `${where}/properties/${k}`);
  if (schema.items) checkSupported(schema.items, `${where}/items`);
  (schema.oneOf ?? []).forEach((s, i) => checkSupported(s, `${where}/oneOf/${i}`));
}

function resolveRef(root: JsonSchema, ref: string): JsonSchema {
  const m = /^#\/\$defs\/([^/]+)$/.exec(ref);
  const found = m ? root.$defs?.[m[1]!] : undefined;
  if (!found) throw new Error(`[wire] unresolvable $ref ${ref}`);
  return found;
}

function check(root: JsonSchema, schema: JsonSchema, value: unknown, path: string): Failure | undefined {
  if (schema.$ref) return check(root, resolveRef(root, schema.$ref), value, path);
  const at = path === '' ? 'the body' : path;
  if (schema.type) {
    const ok =
      schema.type === 'object' ? describe(value) === 'object' : schema.type === 'array' ? Array.isArray(value) : schema.type === 'null' ? value === null : typeof value === schema.type;
    if (!ok) return { path, message: `${at} must be ${schema.type === 'null' ? 'null' : schema.type === 'boolean' ? 'true or false' : `a${schema.type === 'object' || schema.type === 'array' ? 'n' : ''} ${schema.type}`} (got ${describe(value)})`, typeMismatch: true };
  }
  if ('const' in schema && value !== schema.const) return { path, message: `${at} must be ${JSON.stringify(schema.const)}` };
  if (typeof value === 'string') {
    const isId = schema.format === 'salesforce-id';
    const got = `(got ${JSON.stringify(truncateText(value, 40, '...'))})`;
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) {
      return { path, message: `${at} ${schema.description ? `must be ${lowerFirst(schema.description)}` : `must match ${schema.pattern}`} ${got}`, ...(isId ? { code: 'invalid_id' as const } : {}) };
    }
    if (schema.format === 'date-time' && Number.isNaN(Date.parse(value))) return { path, message: `${at} must be an ISO-8601 date-time` };
    if (isId && !salesforceIdChecksumOk(value)) {
      return {
        path,
        code: 'invalid_id',
        message: `${at} is not a valid Salesforce Id: its last 3 characters do not match the letter case of the first 15 (a wrong checksum, or the letter case was changed; send the Id as Salesforce gave it) ${got}`,
      };
    }
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) return { path, message: `${at} must have at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}` };
    if (schema.items) {
      for (const [i, item] of value.entries()) {
        const f = check(root, schema.items, item, child(path, i));
        if (f) return f;
      }
    }
  }
  if (describe(value) === 'object') {
    const obj = value as Record<string, unknown>;
    for (const name of schema.required ?? []) {
      if (!(name in obj)) return { path: child(path, name), message: `${child(path, name)} is required` };
    }
    for (const [name, v] of Object.entries(obj)) {
      const sub = schema.properties?.[name];
      if (sub) {
        const f = check(root, sub, v, child(path, name));
        if (f) return f;
      } else if (schema.additionalProperties === false) {
        return { path: child(path, name), message: `${child(path, name)} is not allowed here` };
      }
    }
  }
  if (schema.oneOf) return oneOf(root, schema.oneOf, value, path);
  return undefined;
}

function lowerFirst(s: string): string {
  return s.replace(/[;.].*$/, '').replace(/^An? /, (m) => m.toLowerCase());
}

/**
 * Exactly one branch must match. When the branches are objects told apart by a `type` const (the
 * event kinds), only the branch of the value's `type` is checked, so the error names the real
 * problem ("events[0].ownerId ...") rather than "matches no branch".
 */
function oneOf(root: JsonSchema, branches: JsonSchema[], value: unknown, path: string): Failure | undefined {
  const resolved = branches.map((b) => (b.$ref ? resolveRef(root, b.$ref) : b));
  const kinds = resolved.map((b) => b.properties?.type?.const);
  if (describe(value) === 'object' && kinds.every((k) => typeof k === 'string')) {
    const kind = (value as { type?: unknown }).type;
    const i = (kinds as unknown[]).indexOf(kind);
    if (i < 0) return { path: child(path, 'type'), message: `${child(path, 'type')} must be one of ${kinds.map((k) => JSON.stringify(k)).join(', ')}` };
    return check(root, resolved[i]!, value, path);
  }
  const failures = resolved.map((b) => check(root, b, value, path));
  const matches = failures.filter((f) => f === undefined).length;
  if (matches === 1) return undefined;
  if (matches > 1) return { path, message: `${path || 'the body'} matches more than one allowed form` };
  return failures.find((f) => f && !f.typeMismatch) ?? failures[0];
}

checkSupported(SALESFORCE_EVENTS_SCHEMA);

/** Checks a body against salesforce-events.schema.json; on failure names the first bad field. */
export function validateSalesforceEventBatch(body: unknown): BatchValidation {
  const failure = check(SALESFORCE_EVENTS_SCHEMA, SALESFORCE_EVENTS_SCHEMA, body, '');
  if (failure) return { ok: false, field: failure.path === '' ? 'body' : failure.path, message: failure.message, code: failure.code ?? 'invalid_request' };
  return { ok: true, value: body as SalesforceEventBatch };
}
