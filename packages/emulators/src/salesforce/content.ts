/**
 * Salesforce Files, as the Object Reference describes ContentVersion, ContentDocument and
 * ContentDocumentLink, and as the REST API takes them ("Insert or Update Blob Data"):
 *
 * - a ContentVersion insert carries the file in `VersionData` (base64 in JSON, or the binary part
 *   of a multipart request); it makes its ContentDocument (or, naming `ContentDocumentId`, a new
 *   version of one), a link to the owner's library (ShareType I) and, with
 *   `FirstPublishLocationId`, a link to that record (ShareType V);
 * - the size limits: 37.5 MB of file in a JSON body (base64), 2 GB in a multipart one;
 * - a ContentDocumentLink may not link the same document to the same record twice
 *   (FIELD_INTEGRITY_EXCEPTION); SOQL on it must filter on ContentDocumentId or LinkedEntityId
 *   (soql/execute.ts);
 * - deleting a record deletes its links (a Case's files are no longer shared with it), and a
 *   document left with no link at all goes too. A file keeps its owner's link (ShareType I), so it
 *   stays in the owner's library, as in Salesforce; deleting a ContentDocument deletes its
 *   versions and links (`filesGoingWith`).
 *
 * `VersionData` is kept in the record as base64 (so rollbacks and the sandbox's saved state carry
 * it); the API shows the field as the URL of the blob, served by `GET .../VersionData`.
 */
import { createHash } from 'node:crypto';
import { apiError } from './api-error.js';
import type { ObjectDef } from './schema.js';
import { objectDef } from './schema.js';
import type { OrgState, SfRecord } from './state.js';
import { formatDateTime } from './util.js';

/** "You can insert or update blob data using a non-multipart message, but you are limited to ... 37.5 MB of base64-encoded data." */
export const BLOB_JSON_MAX_BYTES = 37.5 * 1024 * 1024;
/** "...the maximum file size for uploads is 2 GB for ContentVersion objects" (multipart). */
export const BLOB_MULTIPART_MAX_BYTES = 2 * 1024 * 1024 * 1024;

/** FileType as Salesforce names it for common extensions (UNKNOWN otherwise). */
const FILE_TYPES: Record<string, string> = {
  png: 'PNG',
  jpg: 'JPG',
  jpeg: 'JPEG',
  gif: 'GIF',
  webp: 'WEBP',
  pdf: 'PDF',
  txt: 'TEXT',
  csv: 'CSV',
  rtf: 'RTF',
  doc: 'WORD',
  docx: 'WORD_X',
  xls: 'EXCEL',
  xlsx: 'EXCEL_X',
  ppt: 'POWER_POINT',
  pptx: 'POWER_POINT_X',
  zip: 'ZIP',
  exe: 'EXE',
};

function extensionOf(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

function titleOf(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** The bytes of a stored `VersionData` (base64). */
export function blobBytes(rec: SfRecord): Buffer {
  return typeof rec.VersionData === 'string' ? Buffer.from(rec.VersionData, 'base64') : Buffer.alloc(0);
}

/** The URL the API shows in a base64 field: where its blob is read. */
export const blobUrl = (version: string, type: string, id: string, field: string): string =>
  `/services/data/v${version}/sobjects/${type}/${id}/${field}`;

const def = (name: string): ObjectDef => objectDef(name)!;

/** Derived fields of a new ContentVersion, and its ContentDocument's Id (minted now for a first version). */
export function beforeContentVersionInsert(state: OrgState, rec: Record<string, unknown>): void {
  const bytes = Buffer.from(String(rec.VersionData), 'base64');
  const path = String(rec.PathOnClient);
  const ext = extensionOf(path);
  rec.ContentSize = bytes.length;
  rec.Checksum = createHash('md5').update(bytes).digest('hex');
  rec.FileExtension = ext || null;
  rec.FileType = FILE_TYPES[ext] ?? 'UNKNOWN';
  rec.Title ??= titleOf(path);
  rec.IsLatest = true;
  const docId = rec.ContentDocumentId;
  if (typeof docId === 'string') {
    if (rec.FirstPublishLocationId !== null && rec.FirstPublishLocationId !== undefined) {
      throw apiError(
        400,
        'FIELD_INTEGRITY_EXCEPTION',
        'First Publish Location ID: a new version of a document (ContentDocumentId) cannot name where the document is first published',
        ['FirstPublishLocationId'],
      );
    }
    rec.VersionNumber = String(state.findBy('ContentVersion', 'ContentDocumentId', docId).length + 1);
  } else {
    rec.ContentDocumentId = state.newId(def('ContentDocument').keyPrefix);
    rec.VersionNumber = '1';
  }
}

/**
 * After the version is stored: its ContentDocument (made or moved to this version) and, for a
 * first version, the owner's link and the FirstPublishLocationId link. `write` stores a system
 * record; `link` inserts a ContentDocumentLink with the usual checks.
 */
export function afterContentVersionInsert(
  state: OrgState,
  version: SfRecord,
  now: number,
  write: (d: ObjectDef, before: SfRecord | undefined, after: SfRecord) => void,
  link: (values: Record<string, unknown>) => void,
): void {
  const docDef = def('ContentDocument');
  const docId = String(version.ContentDocumentId);
  const before = state.get(docDef, docId);
  const stamp = formatDateTime(now);
  const latest = {
    LatestPublishedVersionId: version.Id,
    ContentSize: version.ContentSize,
    FileExtension: version.FileExtension,
    FileType: version.FileType,
    LastModifiedDate: stamp,
    LastModifiedById: version.CreatedById,
    SystemModstamp: stamp,
  };
  if (before) {
    for (const old of state.findBy('ContentVersion', 'ContentDocumentId', docId)) {
      if (old.Id !== version.Id && old.IsLatest) write(def('ContentVersion'), old, { ...old, IsLatest: false } as SfRecord);
    }
    write(docDef, before, { ...before, ...latest, Title: version.Title } as SfRecord);
    return;
  }
  const doc: SfRecord = {
    Id: docId,
    IsDeleted: false,
    CreatedDate: stamp,
    CreatedById: version.CreatedById,
    Title: version.Title,
    Description: version.Description ?? null,
    OwnerId: version.OwnerId,
    ...latest,
  };
  write(docDef, undefined, doc);
  link({ ContentDocumentId: docId, LinkedEntityId: version.OwnerId, ShareType: 'I', Visibility: 'AllUsers' });
  const where = version.FirstPublishLocationId;
  if (typeof where === 'string' && where !== version.OwnerId) {
    link({ ContentDocumentId: docId, LinkedEntityId: where, ShareType: 'V', Visibility: 'AllUsers' });
  }
}

/** One document linked to one record once: a second link is refused as Salesforce refuses it. */
export function checkContentDocumentLink(state: OrgState, rec: Record<string, unknown>): void {
  const docId = String(rec.ContentDocumentId);
  const entity = String(rec.LinkedEntityId);
  if (state.findBy('ContentDocumentLink', 'ContentDocumentId', docId).some((l) => l.LinkedEntityId === entity)) {
    throw apiError(400, 'FIELD_INTEGRITY_EXCEPTION', `Document with ID: ${docId} is already linked with the entity with ID: ${entity}`, []);
  }
}

/** A JSON body's VersionData over 37.5 MB of file, refused before anything is stored. */
export function checkJsonBlobSize(bytes: number): void {
  if (bytes > BLOB_JSON_MAX_BYTES) {
    throw apiError(
      413,
      'REQUEST_ENTITY_TOO_LARGE',
      `VersionData: a JSON body may carry at most 37.5 MB of file (this one has ${(bytes / (1024 * 1024)).toFixed(1)} MB); send larger files as multipart/form-data (up to 2 GB)`,
      ['VersionData'],
    );
  }
}

/**
 * The Files records that go with a deleted record, found before anything is removed: a
 * ContentDocument's versions and links; any other record's links (a ContentVersion or a link
 * itself has none) and, through `goneWithLinks`, each document that those were its only links.
 */
export function filesGoingWith(state: OrgState, gone: ObjectDef, rec: SfRecord): { def: ObjectDef; rec: SfRecord }[] {
  const links = def('ContentDocumentLink');
  if (gone.name === 'ContentDocument') {
    return [
      ...state.findBy('ContentVersion', 'ContentDocumentId', rec.Id).map((v) => ({ def: def('ContentVersion'), rec: v })),
      ...state.findBy(links, 'ContentDocumentId', rec.Id).map((l) => ({ def: links, rec: l })),
    ];
  }
  if (gone.name === 'ContentVersion' || gone.name === links.name) return [];
  const out: { def: ObjectDef; rec: SfRecord }[] = [];
  for (const link of state.findBy(links, 'LinkedEntityId', rec.Id)) {
    out.push({ def: links, rec: link });
    const docId = String(link.ContentDocumentId);
    const doc = state.get('ContentDocument', docId);
    const others = state.findBy(links, 'ContentDocumentId', docId).filter((l) => l.LinkedEntityId !== rec.Id);
    if (doc && others.length === 0 && !out.some((x) => x.rec.Id === doc.Id)) {
      out.push(
        { def: def('ContentDocument'), rec: doc },
        ...filesGoingWith(state, def('ContentDocument'), doc).filter((x) => x.rec.Id !== link.Id),
      );
    }
  }
  return out;
}
