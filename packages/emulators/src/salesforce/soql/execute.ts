/**
 * Runs a parsed query against the org: resolves names (INVALID_TYPE / INVALID_FIELD as
 * Salesforce words them), checks literal types against field types, filters, sorts, pages.
 * String comparisons are case-insensitive, as in SOQL; Id literals may be 15 or 18 characters.
 */
import { isSalesforceId, to18 } from '@sbsf/salesforce';
import { apiError } from '../api-error.js';
import { childRelationship, fieldDef, objectByPrefix, objectDef, USER_RECORD_ACCESS } from '../schema.js';
import type { FieldDef, ObjectDef } from '../schema.js';
import type { OrgState, SfRecord } from '../state.js';
import { parseDateTime } from '../util.js';
import { blobUrl } from '../content.js';
import { malformed } from './lexer.js';
import { accessLevel } from '../sharing.js';
import { parseSoql } from './parser.js';
import type { Cond, Literal, SoqlQuery } from './parser.js';

/** SOQL's OFFSET may not exceed 2,000 (SOQL and SOSL Reference, "OFFSET"). */
export const MAX_OFFSET = 2000;

export interface SoqlOutcome {
  def: ObjectDef;
  totalSize: number;
  /** Projected records (with `attributes`), empty for COUNT(). */
  records: Record<string, unknown>[];
}

type Norm = string | number | boolean | null;

const TEXT_TYPES = new Set(['string', 'textarea', 'email', 'phone', 'url', 'picklist', 'autonumber']);

function resolve(def: ObjectDef, name: string): FieldDef {
  const fd = fieldDef(def, name);
  if (!fd) {
    throw apiError(
      400,
      'INVALID_FIELD',
      `No such column '${name}' on entity '${def.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
    );
  }
  return fd;
}

const isLongText = (fd: FieldDef): boolean => (fd.type === 'textarea' && (fd.length ?? 0) > 255) || fd.type === 'base64';

function typeError(fd: FieldDef, want: string, quoted: boolean): never {
  throw apiError(
    400,
    'INVALID_FIELD',
    `value of filter criterion for field '${fd.name}' must be of type ${want} and should ${quoted ? '' : 'not '}be enclosed in quotes`,
  );
}

/** A literal converted to the comparable form of the field's values. */
function literalFor(fd: FieldDef, lit: Literal, forLike = false): Norm {
  if (lit.kind === 'null') return null;
  if (fd.type === 'id' || fd.type === 'reference') {
    if (lit.kind !== 'string') typeError(fd, 'id', true);
    if (forLike) return lit.value.toLowerCase();
    if (!isSalesforceId(lit.value)) throw apiError(400, 'INVALID_QUERY_FILTER_OPERATOR', `invalid ID field: ${lit.value}`);
    return to18(lit.value);
  }
  if (TEXT_TYPES.has(fd.type)) {
    if (lit.kind !== 'string') typeError(fd, 'string', true);
    return (forLike ? lit.value : lit.value.replace(/\\([_%])/g, '$1')).toLowerCase();
  }
  if (fd.type === 'boolean') {
    if (lit.kind !== 'boolean') typeError(fd, 'boolean', false);
    return lit.value;
  }
  if (fd.type === 'datetime') {
    if (lit.kind !== 'datetime') typeError(fd, 'dateTime', false);
    return parseDateTime(lit.text);
  }
  if (lit.kind !== 'number') typeError(fd, 'double', false);
  return lit.value;
}

function valueOf(fd: FieldDef, rec: SfRecord): Norm {
  const v = rec[fd.name];
  if (v === null || v === undefined) return null;
  if (fd.type === 'datetime') return parseDateTime(String(v));
  if (typeof v === 'string' && fd.type !== 'id' && fd.type !== 'reference') return v.toLowerCase();
  return v as Norm;
}

function likeRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '\\' && (pattern.charAt(i + 1) === '%' || pattern.charAt(i + 1) === '_')) {
      re += pattern.charAt(++i);
    } else if (c === '%') re += '.*';
    else if (c === '_') re += '.';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'is');
}

type Pred = (r: SfRecord) => boolean;

function compile(def: ObjectDef, cond: Cond): Pred {
  switch (cond.type) {
    case 'and': {
      const ps = cond.items.map((c) => compile(def, c));
      return (r) => ps.every((p) => p(r));
    }
    case 'or': {
      const ps = cond.items.map((c) => compile(def, c));
      return (r) => ps.some((p) => p(r));
    }
    case 'not': {
      const p = compile(def, cond.item);
      return (r) => !p(r);
    }
    default:
      break;
  }
  const fd = resolve(def, cond.field);
  if (isLongText(fd)) throw apiError(400, 'INVALID_FIELD', `field '${fd.name}' can not be filtered in a query call`);
  if (cond.type === 'like') {
    if (!TEXT_TYPES.has(fd.type) && fd.type !== 'id' && fd.type !== 'reference') typeError(fd, fd.type, false);
    const lit = literalFor(fd, cond.pattern, true);
    if (typeof lit !== 'string') malformed('LIKE needs a string pattern');
    const re = likeRegex(lit);
    return (r) => {
      const v = r[fd.name];
      return typeof v === 'string' && re.test(v);
    };
  }
  if (cond.type === 'in') {
    const set = new Set(cond.values.map((l) => literalFor(fd, l)));
    return (r) => set.has(valueOf(fd, r)) !== cond.negate;
  }
  const want = literalFor(fd, cond.value);
  const op = cond.op;
  return (r) => {
    const have = valueOf(fd, r);
    if (op === '=') return have === want;
    if (op === '!=') return have !== want;
    if (have === null || want === null) return false;
    if (op === '<') return have < want;
    if (op === '>') return have > want;
    if (op === '<=') return have <= want;
    return have >= want;
  };
}

const blobUrlOf = (def: ObjectDef, fd: FieldDef, r: SfRecord, version: string): string | null =>
  r[fd.name] === null || r[fd.name] === undefined ? null : blobUrl(version, def.name, r.Id, fd.name);

/** ContentDocumentLink's restriction: the WHERE (or one AND-ed part of it) is `=` or IN on one of the two Id fields. */
function filtersOnLinkId(def: ObjectDef, where: Cond | undefined): boolean {
  if (!where) return false;
  if (where.type === 'and') return where.items.some((c) => filtersOnLinkId(def, c));
  if (where.type === 'cmp' || where.type === 'in') {
    const name = fieldDef(def, where.field)?.name;
    const ok = where.type === 'in' ? !where.negate : where.op === '=';
    return ok && (name === 'ContentDocumentId' || name === 'LinkedEntityId');
  }
  return false;
}

type Visible = (def: ObjectDef, rec: SfRecord) => boolean;

/** The selected fields, resolved, each once. */
function selectedFields(def: ObjectDef, q: SoqlQuery): FieldDef[] {
  const selected = q.fields === 'count' ? [] : q.fields.map((f) => resolve(def, f));
  const seen = new Set<string>();
  for (const fd of selected) {
    if (seen.has(fd.name)) malformed(`duplicate field selected: ${fd.name}`);
    seen.add(fd.name);
  }
  return selected;
}

/** Filters, sorts and pages `rows` as the query says. */
function pick(def: ObjectDef, q: SoqlQuery, rows: SfRecord[], visible: Visible): SfRecord[] {
  const pred = q.where ? compile(def, q.where) : () => true;
  const order = q.orderBy.map((o) => {
    const fd = resolve(def, o.field);
    if (isLongText(fd)) throw apiError(400, 'INVALID_FIELD', `field '${fd.name}' can not be sorted in a query call`);
    return { fd, ...o };
  });
  if (q.offset !== undefined && q.offset > MAX_OFFSET) {
    throw apiError(400, 'NUMBER_OUTSIDE_VALID_RANGE', `Maximum SOQL offset allowed is ${MAX_OFFSET}`);
  }
  let out = rows.filter((r) => visible(def, r) && pred(r));
  if (order.length) {
    out = out
      .map((r, i) => ({ r, i }))
      .sort((a, b) => {
        for (const o of order) {
          const x = valueOf(o.fd, a.r);
          const y = valueOf(o.fd, b.r);
          if (x === y) continue;
          if (x === null) return o.nullsLast ? 1 : -1;
          if (y === null) return o.nullsLast ? -1 : 1;
          const c = x < y ? -1 : 1;
          return o.desc ? -c : c;
        }
        return a.i - b.i;
      })
      .map((x) => x.r);
  }
  return out.slice(q.offset ?? 0, q.limit !== undefined ? (q.offset ?? 0) + q.limit : undefined);
}

function project(def: ObjectDef, selected: FieldDef[], r: SfRecord, version: string): Record<string, unknown> {
  const url = def === USER_RECORD_ACCESS ? undefined : `/services/data/v${version}/sobjects/${def.name}/${r.Id}`;
  const out: Record<string, unknown> = { attributes: { type: def.name, ...(url ? { url } : {}) } };
  for (const fd of selected) out[fd.name] = fd.type === 'base64' ? blobUrlOf(def, fd, r, version) : (r[fd.name] ?? null);
  return out;
}

/** A child relationship subquery, prepared once: for each parent record, its child records as SOQL nests them. */
function childQuery(parent: ObjectDef, q: SoqlQuery, state: OrgState, version: string, visible: Visible) {
  const rel = childRelationship(parent, q.from);
  if (!rel) {
    throw apiError(
      400,
      'INVALID_TYPE',
      `Didn't understand relationship '${q.from}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
    );
  }
  if (q.fields === 'count') malformed('COUNT() is not allowed in a subquery');
  const selected = selectedFields(rel.def, q);
  const name = rel.field.childRelationship!;
  return {
    name,
    /** Null when the parent has no child the query selects (Salesforce answers null, not an empty list). */
    of(parentId: string): { totalSize: number; done: boolean; records: Record<string, unknown>[] } | null {
      const rows = pick(rel.def, q, state.findBy(rel.def, rel.field.name, parentId), visible);
      if (rows.length === 0) return null;
      return { totalSize: rows.length, done: true, records: rows.map((r) => project(rel.def, selected, r, version)) };
    },
  };
}

/** The top-level AND-ed comparisons of a WHERE on one field (`=` or IN), for UserRecordAccess's required filters. */
function requiredIds(where: Cond | undefined, field: string): string[] | undefined {
  const items = !where ? [] : where.type === 'and' ? where.items : [where];
  for (const c of items) {
    if (c.type === 'cmp' && c.op === '=' && c.field.toLowerCase() === field.toLowerCase() && c.value.kind === 'string')
      return [c.value.value];
    if (c.type === 'in' && !c.negate && c.field.toLowerCase() === field.toLowerCase()) {
      return c.values.map((v) => (v.kind === 'string' ? v.value : malformed(`${field} IN takes Id strings`)));
    }
  }
  return undefined;
}

/** UserRecordAccess allows up to 200 record Ids per query (Object Reference, "UserRecordAccess"). */
export const MAX_USER_RECORD_ACCESS_IDS = 200;

/**
 * UserRecordAccess rows, made from the sharing model for the user and records the WHERE names:
 * it must say `UserId = '<one User Id>'` and `RecordId = '<Id>'` or `RecordId IN (<up to 200
 * Ids>)`, AND-ed at its top level, and the query must select RecordId. An Id of no record in the
 * org has no row. Like the real object, it ignores restriction rules (the emulator has none).
 */
function userRecordAccessRows(state: OrgState, q: SoqlQuery): SfRecord[] {
  const need = "UserRecordAccess queries need UserId = '<User Id>' AND RecordId = '<Id>' (or RecordId IN (...)) in the WHERE clause";
  const users = requiredIds(q.where, 'UserId');
  const recordIds = requiredIds(q.where, 'RecordId');
  if (!users || users.length !== 1 || !recordIds) throw apiError(400, 'MALFORMED_QUERY', need);
  if (recordIds.length > MAX_USER_RECORD_ACCESS_IDS) {
    throw apiError(400, 'MALFORMED_QUERY', `UserRecordAccess can be queried for up to ${MAX_USER_RECORD_ACCESS_IDS} record Ids at a time`);
  }
  if (q.fields === 'count' || !q.fields.some((f) => f.toLowerCase() === 'recordid')) {
    throw apiError(400, 'MALFORMED_QUERY', 'RecordId field must be selected');
  }
  const userId = users[0]!;
  if (!isSalesforceId(userId)) throw apiError(400, 'INVALID_QUERY_FILTER_OPERATOR', `invalid ID field: ${userId}`);
  const user18 = to18(userId);
  const rows: SfRecord[] = [];
  for (const id of new Set(recordIds.map((id) => (isSalesforceId(id) ? to18(id) : id)))) {
    const def = isSalesforceId(id) ? objectByPrefix(id.slice(0, 3)) : undefined;
    const rec = def ? state.get(def, id) : undefined;
    if (!def || !rec) continue;
    const level = accessLevel(state, user18, def, rec);
    rows.push({
      Id: id,
      UserId: user18,
      RecordId: id,
      HasReadAccess: level !== 'None',
      HasEditAccess: level === 'Edit' || level === 'All',
      HasDeleteAccess: level === 'All',
      HasTransferAccess: level === 'All',
      HasAllAccess: level === 'All',
      MaxAccessLevel: level,
    });
  }
  return rows;
}

/** `visible`: the running user's record access; rows it refuses are not there for the query (sharing). */
export function runSoql(state: OrgState, soql: string, version: string, visible: Visible = () => true): SoqlOutcome {
  const q = parseSoql(soql);
  const def = q.from.toLowerCase() === 'userrecordaccess' ? USER_RECORD_ACCESS : objectDef(q.from);
  if (!def) {
    throw apiError(
      400,
      'INVALID_TYPE',
      `sObject type '${q.from}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
    );
  }
  const selected = selectedFields(def, q);
  if (def.name === 'ContentDocumentLink' && !filtersOnLinkId(def, q.where)) {
    throw apiError(
      400,
      'MALFORMED_QUERY',
      "Implementation restriction: ContentDocumentLink requires a filter by a single Id on ContentDocumentId or LinkedEntityId using the equals operator or multiple Id's using the IN operator.",
    );
  }
  const children = q.children.map((c) => childQuery(def, c, state, version, visible));
  const source = def === USER_RECORD_ACCESS ? userRecordAccessRows(state, q) : state.all(def);
  const rows = pick(def, q, source, def === USER_RECORD_ACCESS ? () => true : visible);
  if (q.fields === 'count') return { def, totalSize: rows.length, records: [] };
  const records = rows.map((r) => {
    const out = project(def, selected, r, version);
    for (const child of children) out[child.name] = child.of(r.Id);
    return out;
  });
  return { def, totalSize: records.length, records };
}
