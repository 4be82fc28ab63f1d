/**
 * Validates a `POST /salesforce/events` body against THE schema, salesforce-events.schema.json:
 * the bridge checks what it receives with it and the Salesforce emulator checks what it sends, so
 * both sides follow one file (and the Apex tests assert the same keys; see the contract test).
 *
 * Ajv (draft 2020-12, strict mode: a keyword it does not know makes compiling throw) compiles the
 * schema once, when this module loads. Two things are added at compile time rather than written in
 * the file: the format `salesforce-id` (the checksum of an 18-character Id), and, on a `oneOf`
 * whose branches are objects told apart by a `type` const (the event kinds), Ajv's
 * `discriminator` on `type`, so that only the branch of the event's own kind is checked and the
 * error names the real problem ("events[0].ownerId ...") rather than "matches no branch". Ajv
 * stops at the first error, which is turned into a message naming the field.
 *
 * Server-side only (it reads the schema file): import it as `@sbsf/wire/salesforce-events-validate`,
 * never from the browser-safe `@sbsf/wire` index.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import type { SalesforceEventBatch } from './events.js';
import { truncateText } from './text.js';

/** The parts of a JSON Schema this module reads (Ajv checks the whole schema). */
export interface JsonSchema {
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  description?: string;
  type?: string;
  const?: unknown;
  format?: string;
  required?: string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  [keyword: string]: unknown;
}

/** `invalid_id`: a malformed Salesforce Id (wrong length or characters, wrong checksum or letter case). */
export type BatchFailureCode = 'invalid_request' | 'invalid_id';

export type BatchValidation = { ok: true; value: SalesforceEventBatch } | { ok: false; field: string; message: string; code: BatchFailureCode };

const CHECKSUM_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/**
 * True when an 18-character Id's last 3 characters are the checksum of its first 15 (for each
 * 5-character chunk, a bitmask of its uppercase letters indexed into A..Z0..5); a 15-character Id
 * has none to check. The same rule as @sbsf/salesforce's `isSalesforceId`, restated here because
 * this package depends on no other workspace package (a test checks that the two agree).
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

function resolveRef(root: JsonSchema, s: JsonSchema): JsonSchema {
  if (!s.$ref) return s;
  const m = /^#\/\$defs\/([^/]+)$/.exec(s.$ref);
  const found = m ? root.$defs?.[m[1]!] : undefined;
  if (!found) throw new Error(`[wire] unresolvable $ref ${s.$ref}`);
  return found;
}

/** The `type` consts of a `oneOf`'s branches when every branch is an object that requires one. */
function kindsOf(root: JsonSchema, oneOf: JsonSchema[]): string[] | undefined {
  const kinds = oneOf.map((b) => {
    const r = resolveRef(root, b);
    const k = r.properties?.type?.const;
    return typeof k === 'string' && r.required?.includes('type') ? k : undefined;
  });
  return kinds.every((k) => k !== undefined) ? kinds : undefined;
}

/** A copy of the schema with a `discriminator` on `type` wherever `kindsOf` finds event kinds. */
function withDiscriminators(root: JsonSchema): JsonSchema {
  const walk = (s: JsonSchema): JsonSchema => {
    const out: JsonSchema = { ...s };
    if (s.$defs) out.$defs = Object.fromEntries(Object.entries(s.$defs).map(([k, v]) => [k, walk(v)]));
    if (s.properties) out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, walk(v)]));
    if (s.items) out.items = walk(s.items);
    if (s.oneOf) {
      out.oneOf = s.oneOf.map(walk);
      if (kindsOf(root, s.oneOf)) Object.assign(out, { type: 'object', discriminator: { propertyName: 'type' } });
    }
    return out;
  };
  return walk(root);
}

/** Compiles a batch schema (strict: an unknown keyword or format throws). */
export function compileBatchValidator(schema: JsonSchema): (body: unknown) => BatchValidation {
  const ajv = new Ajv2020({
    strict: true,
    discriminator: true,
    // The failing value and its schema come with each error, for the message.
    verbose: true,
    formats: {
      // A date Date.parse accepts (the schema's pattern pins the shape Apex writes).
      'date-time': (s: string) => !Number.isNaN(Date.parse(s)),
      'salesforce-id': salesforceIdChecksumOk,
    },
  });
  const validate = ajv.compile(withDiscriminators(schema));
  return (body: unknown): BatchValidation => {
    if (validate(body)) return { ok: true, value: body as unknown as SalesforceEventBatch };
    const failure = describeFailure(schema, validate.errors ?? []);
    return { ok: false, field: failure.path === '' ? 'body' : failure.path, message: failure.message, code: failure.code ?? 'invalid_request' };
  };
}

interface Failure {
  path: string;
  message: string;
  code?: BatchFailureCode;
}

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const child = (path: string, key: string): string => (/^\d+$/.test(key) ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`);

/** `/events/0/ownerId` -> `events[0].ownerId` */
const pathOf = (pointer: string): string =>
  pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce(child, '');

function lowerFirst(s: string): string {
  return s.replace(/[;.].*$/, '').replace(/^An? /, (m) => m.toLowerCase());
}

const typeName = (t: string): string => (t === 'null' ? 'null' : t === 'boolean' ? 'true or false' : `a${t === 'object' || t === 'array' ? 'n' : ''} ${t}`);

/**
 * The error to report. Ajv stops at the first failing keyword, except in a `oneOf`, where it
 * lists one error per branch and then the `oneOf`'s own: of the branches' errors, the first that
 * is not a wrong JSON type (the branch meant for the value, e.g. an Id's pattern rather than
 * "must be null").
 */
function pick(errors: ErrorObject[]): ErrorObject | undefined {
  const branches = errors.filter((e) => e.keyword !== 'oneOf');
  if (branches.length === 0) return errors[0];
  return branches.find((e) => e.keyword !== 'type') ?? branches[0];
}

function describeFailure(root: JsonSchema, errors: ErrorObject[]): Failure {
  const e = pick(errors);
  if (!e) return { path: '', message: 'the body is not a valid events batch' };
  const path = pathOf(e.instancePath);
  const at = path === '' ? 'the body' : path;
  const parent = (e.parentSchema ?? {}) as JsonSchema;
  const got = () => `(got ${JSON.stringify(truncateText(String(e.data), 40, '...'))})`;
  switch (e.keyword) {
    case 'type':
      return { path, message: `${at} must be ${typeName(String((e.params as { type: string }).type))} (got ${describe(e.data)})` };
    case 'const':
      return { path, message: `${at} must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}` };
    case 'required': {
      const field = child(path, (e.params as { missingProperty: string }).missingProperty);
      return { path: field, message: `${field} is required` };
    }
    case 'additionalProperties': {
      const field = child(path, (e.params as { additionalProperty: string }).additionalProperty);
      return { path: field, message: `${field} is not allowed here` };
    }
    case 'discriminator': {
      const field = child(path, 'type');
      const kinds = kindsOf(root, parent.oneOf ?? []) ?? [];
      return { path: field, message: `${field} must be one of ${kinds.map((k) => JSON.stringify(k)).join(', ')}` };
    }
    case 'minItems': {
      const n = (e.params as { limit: number }).limit;
      return { path, message: `${at} must have at least ${n} item${n === 1 ? '' : 's'}` };
    }
    case 'pattern':
      return {
        path,
        message: `${at} ${parent.description ? `must be ${lowerFirst(parent.description)}` : `must match ${(e.params as { pattern: string }).pattern}`} ${got()}`,
        ...(parent.format === 'salesforce-id' ? { code: 'invalid_id' as const } : {}),
      };
    case 'format':
      if ((e.params as { format: string }).format === 'salesforce-id') {
        return {
          path,
          code: 'invalid_id',
          message: `${at} is not a valid Salesforce Id: its last 3 characters do not match the letter case of the first 15 (a wrong checksum, or the letter case was changed; send the Id as Salesforce gave it) ${got()}`,
        };
      }
      return { path, message: `${at} must be an ISO-8601 date-time` };
    case 'oneOf':
      return { path, message: `${at} matches more than one allowed form` };
    default:
      return { path, message: `${at} ${e.message ?? 'is not valid'}` };
  }
}

const validateBatch = compileBatchValidator(SALESFORCE_EVENTS_SCHEMA);

/** Checks a body against salesforce-events.schema.json; on failure names the first bad field. */
export function validateSalesforceEventBatch(body: unknown): BatchValidation {
  return validateBatch(body);
}
