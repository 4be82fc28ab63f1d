/**
 * Inserts, updates, deletes and upserts, with the checks that need the rest of the org (required
 * fields, unique values, lookups that must exist, valid owners), the derived and audit fields,
 * and CaseNumber. Every change is stored by `writeRecord`, the one place a record is written, so
 * later behaviour (events when a Case owner changes, Omni-Channel) can hook in there.
 */
import { apiError, notFound } from './api-error.js';
import { CLOSED_STATUSES, fieldDef, objectByPrefix } from './schema.js';
import type { ObjectDef } from './schema.js';
import { detailsOf } from './sharing.js';
import type { RecordAccess } from './sharing.js';
import type { RecordChange } from './records.js';
import type { OrgState, SfRecord } from './state.js';
import { formatDateTime } from './util.js';
import { coerceFields, coerceValue } from './validate.js';
import { afterContentVersionInsert, beforeContentVersionInsert, checkContentDocumentLink, filesGoingWith } from './content.js';
import { checkDuplicateRules } from './duplicate-rules.js';
import { afterPersonAccountInsert, checkPersonFields, preparePersonAccount } from './person-accounts.js';

export interface WriteContext {
  /** The user the session runs as (CreatedById, default OwnerId). */
  userId: string;
  now: number;
  /** The running user's record access (sharing.ts); absent in system mode (seed, org behaviour). */
  access?: RecordAccess;
  /**
   * The org's duplicate rules apply (duplicate-rules.ts): API requests; absent in system mode.
   * `allowSave` from the request's Sforce-Duplicate-Rule-Header; `version` for the match URLs.
   */
  duplicateRules?: { allowSave: boolean; version: string };
}

export type { RecordChange } from './records.js';

/**
 * The one place records are stored or removed. Each change is journaled in the open transaction,
 * which is how the org's trigger behaviour (org.ts: events to the bridge) sees every write path.
 */
export function writeRecord(state: OrgState, change: RecordChange): void {
  if (change.after) state.put(change.def, change.after);
  else if (change.before) state.remove(change.def, change.before.Id);
  state.journalChange(change);
}

function checkReferences(state: OrgState, def: ObjectDef, values: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(values)) {
    const fd = fieldDef(def, name);
    if (fd?.type !== 'reference' || typeof value !== 'string') continue;
    const target = objectByPrefix(value.slice(0, 3));
    if (!target) continue; // an object the emulator does not store (Asset...): prefix-checked only
    const rec = state.get(target, value);
    if (fd.name === 'OwnerId') {
      const ok = target.name === 'User' ? rec?.IsActive === true : target.name === 'Group' && rec?.Type === 'Queue';
      if (!ok) {
        throw apiError(400, 'FIELD_INTEGRITY_EXCEPTION', `${fd.label}: ${value} is neither an active user nor a queue`, [fd.name]);
      }
    } else if (!rec) {
      throw apiError(400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [fd.name]);
    }
  }
}

/**
 * Sharing on references: a lookup needs read access to its target, a master-detail field the
 * access its sharing setting asks for on the master; else INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY.
 */
function checkReferenceAccess(state: OrgState, def: ObjectDef, values: Record<string, unknown>, access: RecordAccess | undefined): void {
  if (!access) return;
  for (const [name, value] of Object.entries(values)) {
    const fd = fieldDef(def, name);
    if (fd?.type !== 'reference' || fd.name === 'OwnerId' || typeof value !== 'string') continue;
    const target = objectByPrefix(value.slice(0, 3));
    const rec = target ? state.get(target, value) : undefined;
    if (!target || !rec) continue;
    const md = fd.masterDetail;
    const ok = md && !md.writeRequiresMasterRead ? access.canEdit(target, rec) : access.canRead(target, rec);
    if (!ok)
      throw apiError(
        400,
        'INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY',
        `insufficient access rights on cross-reference id: ${value}`,
        [],
      );
  }
}

/** A record the running user may not edit (or see): what DML on it answers. */
function checkEditAccess(def: ObjectDef, rec: SfRecord, access: RecordAccess | undefined): void {
  if (access && !access.canEdit(def, rec)) {
    throw apiError(400, 'INSUFFICIENT_ACCESS_OR_READONLY', 'insufficient access rights on object id', []);
  }
}

function checkRequired(def: ObjectDef, rec: Record<string, unknown>): void {
  const missing = [...def.fields.values()].filter((fd) => fd.required && (rec[fd.name] === null || rec[fd.name] === undefined));
  if (missing.length) {
    const names = missing.map((m) => m.name);
    throw apiError(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${names.join(', ')}]`, names);
  }
}

function checkUnique(state: OrgState, def: ObjectDef, rec: SfRecord): void {
  for (const fd of def.fields.values()) {
    const v = rec[fd.name];
    if (!fd.unique || typeof v !== 'string') continue;
    const other = state.findBy(def, fd.name, v).find((r) => r.Id !== rec.Id);
    if (other) {
      throw apiError(400, 'DUPLICATE_VALUE', `duplicate value found: ${fd.name} duplicates value on record with id: ${other.Id}`, []);
    }
  }
}

/** Derived and system fields: Case.IsClosed/ClosedDate, User/Contact Name, audit stamps. */
function derive(def: ObjectDef, rec: Record<string, unknown>, before: SfRecord | undefined, ctx: WriteContext): void {
  const stamp = formatDateTime(ctx.now);
  if (def.name === 'Case') {
    const closed = CLOSED_STATUSES.has(String(rec.Status));
    rec.IsClosed = closed;
    if (!closed) rec.ClosedDate = null;
    else if (!before?.IsClosed) rec.ClosedDate = stamp;
  }
  if (def.name === 'User' || def.name === 'Contact') {
    rec.Name = [rec.FirstName, rec.LastName].filter((x) => typeof x === 'string' && x).join(' ');
  }
  rec.LastModifiedDate = stamp;
  rec.LastModifiedById = ctx.userId;
  rec.SystemModstamp = stamp;
}

export function insertRecord(state: OrgState, def: ObjectDef, input: unknown, ctx: WriteContext): SfRecord {
  const values = coerceFields(def, input, 'insert');
  checkPersonFields(state, def, values);
  checkReferences(state, def, values);
  checkReferenceAccess(state, def, values, ctx.access);
  const rec: Record<string, unknown> = {};
  for (const fd of def.fields.values()) rec[fd.name] = fd.defaultValue ?? null;
  // A detail of a master-detail has no owner of its own (it follows its master).
  if (def.fields.has('ownerid')) rec.OwnerId = ctx.userId;
  Object.assign(rec, values);
  const person = preparePersonAccount(state, def, rec);
  checkRequired(def, rec);
  if (ctx.duplicateRules) checkDuplicateRules(state, def, rec, ctx.duplicateRules.allowSave, ctx.duplicateRules.version);
  rec.Id = state.newId(def.keyPrefix);
  rec.IsDeleted = false;
  rec.CreatedDate = formatDateTime(ctx.now);
  rec.CreatedById = ctx.userId;
  // CaseNumber is an auto-number; 00001001 is the usual first value of a new org.
  if (def.name === 'Case') rec.CaseNumber = String(state.next('CaseNumber', 1001)).padStart(8, '0');
  if (def.autoNumber) rec[def.autoNumber.field] = def.autoNumber.format(state.next(`auto:${def.name}`, def.autoNumber.start));
  derive(def, rec, undefined, ctx);
  if (def.name === 'ContentVersion') beforeContentVersionInsert(state, rec);
  if (def.name === 'ContentDocumentLink') checkContentDocumentLink(state, rec);
  const after = rec as SfRecord;
  checkUnique(state, def, after);
  if (person) return insertPersonAccount(state, after, ctx);
  writeRecord(state, { def, after });
  if (def.name === 'ContentVersion') {
    // The org makes the document and its links in system mode, as part of the same DML.
    afterContentVersionInsert(
      state,
      after,
      ctx.now,
      (d, before, rec2) => writeRecord(state, { def: d, before, after: Object.freeze(rec2) as SfRecord }),
      (values) => insertRecord(state, objectByPrefix('06A')!, values, { userId: ctx.userId, now: ctx.now }),
    );
  }
  return after;
}

/** A person account and its person contact, all or nothing (the contact's checks may refuse it). */
function insertPersonAccount(state: OrgState, account: SfRecord, ctx: WriteContext): SfRecord {
  return state.savepoint((rollback) => {
    try {
      writeRecord(state, { def: objectByPrefix('001')!, after: account });
      return afterPersonAccountInsert(
        account,
        (d, values) => insertRecord(state, d, values, { userId: ctx.userId, now: ctx.now }),
        (d, before, after) => writeRecord(state, { def: d, before, after }),
      );
    } catch (err) {
      rollback();
      throw err;
    }
  });
}

export function updateRecord(state: OrgState, def: ObjectDef, id: string, input: unknown, ctx: WriteContext): SfRecord {
  const before = state.get(def, id);
  if (!before) throw notFound();
  checkEditAccess(def, before, ctx.access);
  const values = coerceFields(def, input, 'update');
  checkPersonFields(state, def, values);
  checkReferences(state, def, values);
  checkReferenceAccess(state, def, values, ctx.access);
  const rec: Record<string, unknown> = { ...before, ...values };
  checkRequired(def, rec);
  derive(def, rec, before, ctx);
  const after = rec as SfRecord;
  checkUnique(state, def, after);
  writeRecord(state, { def, before, after });
  return after;
}

export function deleteRecord(state: OrgState, def: ObjectDef, id: string, access?: RecordAccess): void {
  const before = state.get(def, id);
  if (!before) throw notFound();
  checkEditAccess(def, before, access);
  removeWithDetails(state, def, before);
}

/**
 * Deletes a record and, first, its details (a master-detail's cascade delete), whoever may see
 * them; then the Files records that go with it (content.ts: its links, a document they were the
 * only links of).
 */
function removeWithDetails(state: OrgState, def: ObjectDef, rec: SfRecord): void {
  for (const detail of detailsOf(def)) {
    for (const child of state.findBy(detail.def, detail.field.name, rec.Id)) removeWithDetails(state, detail.def, child);
  }
  const files = filesGoingWith(state, def, rec);
  writeRecord(state, { def, before: rec });
  for (const f of files) writeRecord(state, { def: f.def, before: f.rec });
}

/**
 * Upsert on an External Id field: one match -> update, none -> insert with the field set to
 * `value`. The field may also appear in the body, but only with the same value.
 */
export function upsertRecord(
  state: OrgState,
  def: ObjectDef,
  extField: string,
  value: string,
  input: unknown,
  ctx: WriteContext,
): { record: SfRecord; created: boolean } {
  const fd = fieldDef(def, extField);
  if (!fd) throw apiError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${extField}`);
  if (!fd.externalId) throw apiError(400, 'INVALID_FIELD', `Field ${fd.name} is not an External ID or indexed field for ${def.name}`);
  if (!input || typeof input !== 'object' || Array.isArray(input)) coerceFields(def, input, 'insert');
  const key = coerceValue(fd, value);
  if (typeof key !== 'string') throw apiError(400, 'MISSING_ARGUMENT', `${fd.name} not specified`);
  const bodyKey = Object.keys(input as object).find((k) => k.toLowerCase() === fd.name.toLowerCase());
  if (bodyKey !== undefined) {
    const inBody = (input as Record<string, unknown>)[bodyKey];
    if (typeof inBody !== 'string' || inBody.toLowerCase() !== key.toLowerCase()) {
      throw apiError(400, 'INVALID_FIELD', `The value of ${fd.name} in the request body does not match the value in the URL`, [fd.name]);
    }
  }
  const matches = state.findBy(def, fd.name, key);
  if (matches.length > 1) {
    throw new MultipleChoices(matches.map((m) => m.Id));
  }
  const match = matches[0];
  if (match) return { record: updateRecord(state, def, match.Id, input, ctx), created: false };
  const body = { ...(input as Record<string, unknown>), [fd.name]: key };
  return { record: insertRecord(state, def, body, ctx), created: true };
}

/** 300 Multiple Choices: the External Id value matches more than one record. */
export class MultipleChoices extends Error {
  constructor(readonly ids: string[]) {
    super('multiple records match the external id');
  }
}
