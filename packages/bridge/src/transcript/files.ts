/**
 * The files of FILE messages, stored in Salesforce as Files (ContentVersion) linked to the Case,
 * exactly once. The flush (mirror.ts) asks for the files of a batch before it writes the batch's
 * records, and the record then points at the File (`File_Id__c`, the ContentDocumentId).
 *
 * Exactly once: every ContentVersion the bridge makes carries the Sendbird message id in its
 * External Id field `Sendbird_Message_Id__c` (unique). Before uploading, the flush looks the
 * batch's FILE messages up by that key (one SOQL query); a file already there (an upload that
 * succeeded before a crash, a retried job, a duplicated webhook) is not uploaded again. Two
 * uploads racing for one message cannot both succeed: the second is refused with
 * DUPLICATE_VALUE and takes the first one's File. `FirstPublishLocationId` = the Case makes
 * Salesforce link the File to the Case in the same insert.
 *
 * What is downloaded: only URLs on Sendbird's hosts (`*.sendbird.com`, or the host of
 * SENDBIRD_API_URL, e.g. the emulator) and the hosts of TRANSCRIPT_FILE_HOSTS, so a FILE message
 * cannot make the bridge fetch an internal address. The master API token goes, as `Api-Token`,
 * only to Sendbird's hosts (files sent with `require_auth` need it; Sendbird's community answer:
 * "you can download it using your Api-Token"), never to another host, and never after a redirect
 * to another origin. Each download has a timeout and a size cap (TRANSCRIPT_FILE_TIMEOUT_MS,
 * TRANSCRIPT_FILE_MAX_BYTES); the upload is one JSON call with base64 VersionData, so the cap may
 * not pass the REST API's 37.5 MB for a JSON body.
 *
 * Outcomes per message: `stored` (the File's Ids), `retry` (a timeout, a 5xx, Salesforce busy:
 * the message waits and is tried again), `refused` (too large, a host not allowed, a 404, a
 * record Salesforce will not take: the record is written with the link only and the ledger says
 * why). A file never holds back the other messages of its batch.
 */
import { SalesforceError, type SalesforceClient } from '@sbsf/salesforce';
import { truncateText } from '@sbsf/wire';
import type { Logger } from 'pino';
import type { TranscriptRecord } from '../store/types.js';
import { soqlString } from '../case-reads.js';

export const CONTENT_VERSION = 'ContentVersion';
export const CONTENT_VERSION_KEY = 'Sendbird_Message_Id__c';
/** "37.5 MB of base64-encoded data" in a non-multipart body (REST API Developer Guide, "Insert or Update Blob Data"). */
export const JSON_BLOB_MAX_BYTES = 37.5 * 1024 * 1024;
/** At most this many redirects are followed for one download. */
const MAX_REDIRECTS = 3;

export interface FileSettings {
  /** TRANSCRIPT_FILES: store files in Salesforce (else the record keeps only the link). */
  enabled: boolean;
  /** TRANSCRIPT_FILE_MAX_BYTES */
  maxBytes: number;
  /** TRANSCRIPT_FILE_TIMEOUT_MS: one download, headers and body. */
  timeoutMs: number;
  /** TRANSCRIPT_FILE_HOSTS: more hosts files may be downloaded from (never sent the token). */
  extraHosts: readonly string[];
  /** SENDBIRD_API_URL: its host is Sendbird's too (the emulator serves files there). */
  sendbirdApiUrl: string;
  apiToken: string;
}

export type FileOutcome =
  | { kind: 'stored'; contentDocumentId: string; contentVersionId: string; uploaded: boolean }
  | { kind: 'retry'; error: string }
  | { kind: 'refused'; code: string; error: string };

/** Salesforce codes after which an upload may pass later (the rest will fail the same way). */
const TRANSIENT_SF_CODES = new Set(['UNABLE_TO_LOCK_ROW', 'REQUEST_LIMIT_EXCEEDED', 'SERVER_UNAVAILABLE', 'UNKNOWN_EXCEPTION']);

class Refused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface TranscriptFilesOptions {
  salesforce: SalesforceClient;
  settings: FileSettings;
  logger: Logger;
  fetch?: typeof fetch;
}

function mb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export class TranscriptFiles {
  private readonly fetchImpl: typeof fetch;
  private readonly sendbirdHost: string;

  constructor(private readonly o: TranscriptFilesOptions) {
    this.fetchImpl = o.fetch ?? fetch;
    this.sendbirdHost = new URL(o.settings.sendbirdApiUrl).host.toLowerCase();
  }

  /** The FILE messages of a batch whose file should be in Salesforce. */
  static wanted(rows: readonly TranscriptRecord[]): TranscriptRecord[] {
    return rows.filter((r) => r.message?.type === 'FILE' && r.message.file?.url && !r.deleted);
  }

  /** Each FILE message's file, found or stored; nothing for messages without one. */
  async storeAll(rows: readonly TranscriptRecord[], signal?: AbortSignal): Promise<Map<string, FileOutcome>> {
    const out = new Map<string, FileOutcome>();
    const wanted = this.o.settings.enabled ? TranscriptFiles.wanted(rows) : [];
    if (wanted.length === 0) return out;
    let existing: Map<string, { Id: string; ContentDocumentId: string }>;
    try {
      existing = await this.lookup(wanted.map((r) => r.messageId));
    } catch (err) {
      for (const r of wanted) out.set(r.messageId, { kind: 'retry', error: `looking up stored files failed: ${describe(err)}` });
      return out;
    }
    for (const r of wanted) {
      const found = existing.get(r.messageId);
      if (found) {
        out.set(r.messageId, { kind: 'stored', contentDocumentId: found.ContentDocumentId, contentVersionId: found.Id, uploaded: false });
        continue;
      }
      if (signal?.aborted) {
        out.set(r.messageId, { kind: 'retry', error: 'the flush was stopped' });
        continue;
      }
      out.set(r.messageId, await this.storeOne(r, signal));
    }
    return out;
  }

  private async lookup(messageIds: string[]): Promise<Map<string, { Id: string; ContentDocumentId: string }>> {
    const soql =
      `SELECT Id, ContentDocumentId, ${CONTENT_VERSION_KEY} FROM ${CONTENT_VERSION} ` +
      `WHERE ${CONTENT_VERSION_KEY} IN (${messageIds.map(soqlString).join(', ')})`;
    const res = await this.o.salesforce.query<{ Id: string; ContentDocumentId: string; Sendbird_Message_Id__c: string }>(soql);
    return new Map(res.records.map((rec) => [rec.Sendbird_Message_Id__c, rec]));
  }

  private async storeOne(r: TranscriptRecord, signal?: AbortSignal): Promise<FileOutcome> {
    const m = r.message!;
    const file = m.file!;
    try {
      const declared = file.size ?? null;
      if (declared !== null && declared > this.o.settings.maxBytes) {
        throw new Refused(
          'too_large',
          `the file is ${mb(declared)}; files up to ${mb(this.o.settings.maxBytes)} are stored (TRANSCRIPT_FILE_MAX_BYTES)`,
        );
      }
      const bytes = await this.download(file.url, signal);
      const name = truncateText(file.name?.trim() || lastSegment(file.url) || 'file', 255);
      let versionId: string;
      try {
        versionId = (
          await this.o.salesforce.create(CONTENT_VERSION, {
            Title: name,
            PathOnClient: name,
            VersionData: bytes.toString('base64'),
            FirstPublishLocationId: r.caseId,
            [CONTENT_VERSION_KEY]: r.messageId,
            Description: truncateText(
              `Sent in the chat by ${m.senderName} (${m.senderRole.toLowerCase()}); Sendbird message ${r.messageId}`,
              1000,
            ),
          })
        ).id;
      } catch (err) {
        // Another upload of this message won the race (or ours landed before a lost answer): use it.
        if (err instanceof SalesforceError && err.errorCode === 'DUPLICATE_VALUE') {
          const found = (await this.lookup([r.messageId])).get(r.messageId);
          if (found) return { kind: 'stored', contentDocumentId: found.ContentDocumentId, contentVersionId: found.Id, uploaded: false };
        }
        throw err;
      }
      const version = await this.o.salesforce.get<{ ContentDocumentId: string }>(CONTENT_VERSION, versionId, ['ContentDocumentId']);
      return { kind: 'stored', contentDocumentId: version.ContentDocumentId, contentVersionId: versionId, uploaded: true };
    } catch (err) {
      if (err instanceof Refused) return { kind: 'refused', code: err.code, error: err.message };
      if (err instanceof SalesforceError) {
        const transient = err.status === 0 || err.status === 429 || err.status >= 500 || TRANSIENT_SF_CODES.has(err.errorCode);
        const error = `Salesforce refused the File: ${err.status} ${err.errorCode}: ${truncateText(err.message, 300)}`;
        return transient ? { kind: 'retry', error } : { kind: 'refused', code: err.errorCode, error };
      }
      return { kind: 'retry', error: describe(err) };
    }
  }

  /** Whether files may be fetched from this URL, and whether it is Sendbird's (gets the token). */
  private hostOf(url: URL): 'sendbird' | 'extra' | null {
    const host = url.host.toLowerCase();
    const hostname = url.hostname.toLowerCase();
    if (host === this.sendbirdHost) return 'sendbird';
    if (url.protocol !== 'https:') return null;
    if (hostname === 'sendbird.com' || hostname.endsWith('.sendbird.com')) return 'sendbird';
    if (this.o.settings.extraHosts.some((h) => hostname === h || (h.startsWith('.') && hostname.endsWith(h)))) return 'extra';
    return null;
  }

  private async download(raw: string, signal?: AbortSignal): Promise<Buffer> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new Refused('bad_url', 'the file URL is not a valid URL');
    }
    const kind = this.hostOf(url);
    if (!kind) {
      throw new Refused(
        'host_not_allowed',
        `files are downloaded from Sendbird's hosts only (and TRANSCRIPT_FILE_HOSTS), not from ${url.host}`,
      );
    }
    const timeout = AbortSignal.timeout(this.o.settings.timeoutMs);
    const both = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const origin = url.origin;
    let res: Response;
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = {};
      // The token goes to Sendbird's own origin only, never after a redirect elsewhere.
      if (kind === 'sendbird' && url.origin === origin) headers['Api-Token'] = this.o.settings.apiToken;
      try {
        res = await this.fetchImpl(url, { headers, redirect: 'manual', signal: both });
      } catch (err) {
        if (timeout.aborted) throw new Error(`the download timed out after ${this.o.settings.timeoutMs} ms`);
        throw new Error(`the download failed: ${describe(err)}`);
      }
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location && hop < MAX_REDIRECTS) {
        await res.body?.cancel();
        url = new URL(location, url);
        if (url.protocol !== 'https:' && url.origin !== origin)
          throw new Refused('bad_redirect', 'the file URL redirects to a non-https address');
        continue;
      }
      break;
    }
    if (!res.ok) {
      await res.body?.cancel();
      const status = res.status;
      if (status === 429 || status >= 500) throw new Error(`the file host answered HTTP ${status}`);
      throw new Refused(`http_${status}`, `the file host answered HTTP ${status}`);
    }
    const length = Number(res.headers.get('content-length'));
    if (Number.isFinite(length) && length > this.o.settings.maxBytes) {
      await res.body?.cancel();
      throw new Refused(
        'too_large',
        `the file is ${mb(length)}; files up to ${mb(this.o.settings.maxBytes)} are stored (TRANSCRIPT_FILE_MAX_BYTES)`,
      );
    }
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of res.body ?? []) {
        total += (chunk as Uint8Array).length;
        if (total > this.o.settings.maxBytes) {
          throw new Refused(
            'too_large',
            `the file is larger than the ${mb(this.o.settings.maxBytes)} stored at most (TRANSCRIPT_FILE_MAX_BYTES)`,
          );
        }
        chunks.push(Buffer.from(chunk as Uint8Array));
      }
    } catch (err) {
      if (err instanceof Refused) throw err;
      if (timeout.aborted) throw new Error(`the download timed out after ${this.o.settings.timeoutMs} ms`);
      throw new Error(`the download broke off: ${describe(err)}`);
    }
    if (total === 0) throw new Refused('empty', 'the file is empty');
    return Buffer.concat(chunks);
  }
}

function lastSegment(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
  } catch {
    return '';
  }
}

/** An error as one line, never with a URL's query (a signed URL's query is a credential). */
function describe(err: unknown): string {
  const text = err instanceof SalesforceError ? `${err.status} ${err.errorCode}` : err instanceof Error ? err.message : String(err);
  return text.replace(/(https?:\/\/[^\s?]+)\?\S*/g, '$1?…');
}
