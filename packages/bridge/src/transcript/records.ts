/**
 * The Salesforce records a message becomes: pure functions, one per transcript mode.
 *
 * - `object` mode: a `Sendbird_Message__c` upserted on its External Id `Sendbird_Message_Id__c`
 *   (the SFDX project's object: salesforce/force-app/main/default/objects/Sendbird_Message__c).
 *   The same message written twice is the same record, so this mode is exactly once.
 * - `case_comment` mode: a private `CaseComment` on the Case (for orgs that cannot deploy the
 *   custom object). CaseComment has no External Id: the first write creates it, later changes
 *   update it by its Id; see docs/bridge.md for when a duplicate can appear.
 */
import { truncateText } from '@sbsf/wire';
import type { TranscriptRecord } from '../store/types.js';

export const MESSAGE_OBJECT = 'Sendbird_Message__c';
export const MESSAGE_EXTERNAL_ID = 'Sendbird_Message_Id__c';

/** Field lengths of the SFDX project (a longer value would be refused with STRING_TOO_LONG). */
export const LIMITS = {
  body: 131_072,
  fileUrl: 32_768,
  fileName: 255,
  fileType: 100,
  senderName: 255,
  senderId: 80,
  commentBody: 4_000,
} as const;

/** Cut to a field's length in UTF-16 units, where a character ends (never half an emoji). */
const clip = (s: string, n: number) => truncateText(s, n);
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A `Sendbird_Message__c` for a collections upsert; a message known only as deleted carries just
 * the deletion. `fileId`: the ContentDocumentId of the File its file was stored as (files.ts);
 * without one the field is left as it is.
 */
export function messageRecord(r: TranscriptRecord, fileId?: string): Record<string, unknown> {
  const rec: Record<string, unknown> = {
    attributes: { type: MESSAGE_OBJECT },
    [MESSAGE_EXTERNAL_ID]: r.messageId,
    Case__c: r.caseId,
    Channel_Url__c: r.channelUrl,
    Is_Deleted_In_Chat__c: r.deleted,
  };
  const m = r.message;
  if (!m) return rec;
  return {
    ...rec,
    Message_Type__c: m.type,
    Body__c: clip(m.body, LIMITS.body),
    Sender_Id__c: clip(m.senderId, LIMITS.senderId),
    Sender_Name__c: clip(m.senderName, LIMITS.senderName),
    Sender_Role__c: m.senderRole,
    Sent_At__c: iso(m.sentAt),
    Edited_At__c: m.editedAt === null ? null : iso(m.editedAt),
    File_Url__c: m.file ? clip(m.file.url, LIMITS.fileUrl) : null,
    File_Name__c: m.file?.name ? clip(m.file.name, LIMITS.fileName) : null,
    File_Type__c: m.file?.type ? clip(m.file.type, LIMITS.fileType) : null,
    ...(fileId ? { File_Id__c: fileId } : {}),
  };
}

/**
 * The text of a message's CaseComment, e.g.
 * `[2026-01-31 09:15:00 UTC] Dana (customer): Hello` (+ `(edited ...)`, a file line, or a
 * `[deleted in chat]` mark). At most 4,000 characters, the CommentBody limit.
 */
export function commentBody(r: TranscriptRecord, fileId?: string): string {
  const m = r.message;
  const stamp = (ms: number) => `${iso(ms).slice(0, 19).replace('T', ' ')} UTC`;
  const lines: string[] = [];
  if (!m) {
    lines.push('[deleted in chat] (the message itself was not received)');
  } else {
    const role = m.senderRole === 'Agent' ? ' (agent)' : m.senderRole === 'System' ? '' : ' (customer)';
    const edited = m.editedAt !== null ? ` (edited ${stamp(m.editedAt)})` : '';
    const head = `[${stamp(m.sentAt)}] ${m.senderName}${role}${edited}:`;
    lines.push(`${r.deleted ? '[deleted in chat] ' : ''}${head}${m.body ? ` ${m.body}` : ''}`);
    if (m.file) lines.push(`File: ${m.file.name ?? 'file'}${m.file.type ? ` (${m.file.type})` : ''} ${m.file.url}`);
    // The File on the Case (its Files related list) that holds it.
    if (m.file && fileId) lines.push(`Salesforce File: ${m.file.name ?? 'file'} (ContentDocument ${fileId})`);
  }
  lines.push(`Sendbird message ${r.messageId}`);
  return clip(lines.join('\n'), LIMITS.commentBody);
}

/** A new private CaseComment for a collections create. */
export function newComment(r: TranscriptRecord, fileId?: string): Record<string, unknown> {
  return { attributes: { type: 'CaseComment' }, ParentId: r.caseId, IsPublished: false, CommentBody: commentBody(r, fileId) };
}

/** The change to an existing CaseComment, for a collections update. */
export function commentUpdate(r: TranscriptRecord, fileId?: string): Record<string, unknown> {
  return { attributes: { type: 'CaseComment' }, Id: r.salesforceId, CommentBody: commentBody(r, fileId) };
}
