/**
 * What the console page shows, read from the emulated org: Cases with their owners, the users
 * and queues a Case can go to, the logged-in agent's Omni-Channel work, and a Case record with
 * its Sendbird_Message__c transcript. Plain JSON, no Salesforce envelope: this is the page's own
 * API, not the REST API.
 */
import { isSalesforceId, to18 } from '@sbsf/salesforce';
import { blobBytes } from '../content.js';
import { CASE_STATUSES } from '../schema.js';
import type { SeedInfo } from '../seed.js';
import type { OrgState, SfRecord } from '../state.js';

export interface ConsoleUser {
  Id: string;
  Name: string;
  /** The client-credentials Run-As user (the bridge), not an agent. */
  integration: boolean;
}

export interface ConsoleCase {
  Id: string;
  CaseNumber: string;
  Subject: string;
  Status: string;
  Priority: string;
  OwnerId: string;
  ownerName: string;
  ownerType: 'User' | 'Queue' | 'Unknown';
  SuppliedName: string | null;
}

export interface ConsoleWork {
  Id: string;
  WorkItemId: string;
  caseNumber: string;
  subject: string;
  Status: string;
}

export interface ConsoleState {
  currentUser: ConsoleUser;
  users: ConsoleUser[];
  queues: { Id: string; Name: string }[];
  cases: ConsoleCase[];
  /** The logged-in agent's AgentWork that is waiting (Assigned) or open (Opened). */
  work: ConsoleWork[];
  /** The Case Status picklist's values, for the status control. */
  caseStatuses: string[];
}

export interface TranscriptEntry {
  Id: string;
  Sendbird_Message_Id__c: string;
  Sender_Name__c: string | null;
  Sender_Role__c: string | null;
  Body__c: string | null;
  Sent_At__c: string | null;
  Message_Type__c: string | null;
  File_Name__c: string | null;
  File_Url__c: string | null;
  /** The Salesforce File the message's file was stored as (a ContentDocument or ContentVersion Id). */
  File_Id__c: string | null;
  /** Where the page downloads that File (`fileDownloadPath`), when the org has it. */
  fileDownloadUrl: string | null;
}

/** A Salesforce File's latest bytes, as the page downloads them. */
export interface ConsoleFile {
  /** Its name on the user's disk: the title and the extension. */
  fileName: string;
  bytes: Buffer;
}

/**
 * The download URL of a File, as Lightning links it on a record page: a ContentDocument's latest
 * version, or one ContentVersion.
 */
export function fileDownloadPath(id: string): string | null {
  if (id.startsWith('069')) return `/sfc/servlet.shepherd/document/download/${id}`;
  if (id.startsWith('068')) return `/sfc/servlet.shepherd/version/download/${id}`;
  return null;
}

export interface CaseView {
  case: ConsoleCase & {
    Description: string | null;
    Origin: string | null;
    SuppliedEmail: string | null;
    Sendbird_User_Id__c: string | null;
    CreatedDate: string;
    /** The linked Contact's and Account's names and the Contact's email (contact matching), null when unlinked. */
    contactName: string | null;
    contactEmail: string | null;
    accountName: string | null;
  };
  transcript: TranscriptEntry[];
}

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export class ConsoleData {
  constructor(
    private readonly state: OrgState,
    private readonly seed: () => SeedInfo,
  ) {}

  users(): ConsoleUser[] {
    const integration = this.seed().integrationUserId;
    return this.state
      .all('User')
      .filter((u) => u.IsActive === true)
      .map((u) => ({ Id: u.Id, Name: String(u.Name), integration: u.Id === integration }));
  }

  user(id: string): ConsoleUser | undefined {
    return this.users().find((u) => u.Id === id);
  }

  /** Who the console opens as when nobody switched: the first agent, else the integration user. */
  defaultUserId(): string {
    const users = this.users();
    return (users.find((u) => !u.integration) ?? users[0])?.Id ?? this.seed().integrationUserId;
  }

  queues(): { Id: string; Name: string }[] {
    return this.state
      .all('Group')
      .filter((g) => g.Type === 'Queue')
      .map((g) => ({ Id: g.Id, Name: String(g.Name) }));
  }

  private toCase(c: SfRecord): ConsoleCase {
    const ownerId = String(c.OwnerId ?? '');
    const user = ownerId.startsWith('005') ? this.state.get('User', ownerId) : undefined;
    const queue = ownerId.startsWith('00G') ? this.state.get('Group', ownerId) : undefined;
    return {
      Id: c.Id,
      CaseNumber: String(c.CaseNumber ?? ''),
      Subject: String(c.Subject ?? ''),
      Status: String(c.Status ?? ''),
      Priority: String(c.Priority ?? ''),
      OwnerId: ownerId,
      ownerName: String(user?.Name ?? queue?.Name ?? ownerId),
      ownerType: user ? 'User' : queue ? 'Queue' : 'Unknown',
      SuppliedName: text(c.SuppliedName),
    };
  }

  /** Open Cases first, newest first. */
  cases(): ConsoleCase[] {
    return this.state
      .all('Case')
      .slice()
      .sort((a, b) => Number(a.IsClosed === true) - Number(b.IsClosed === true) || String(b.CaseNumber).localeCompare(String(a.CaseNumber)))
      .map((c) => this.toCase(c));
  }

  work(userId: string): ConsoleWork[] {
    return this.state
      .all('AgentWork')
      .filter((w) => w.UserId === userId && (w.Status === 'Assigned' || w.Status === 'Opened'))
      .map((w) => {
        const c = this.state.get('Case', String(w.WorkItemId));
        return {
          Id: w.Id,
          WorkItemId: String(w.WorkItemId),
          caseNumber: String(c?.CaseNumber ?? ''),
          subject: String(c?.Subject ?? ''),
          Status: String(w.Status),
        };
      });
  }

  snapshot(currentUserId: string): ConsoleState {
    const currentUser = this.user(currentUserId) ?? { Id: currentUserId, Name: currentUserId, integration: false };
    return {
      currentUser,
      users: this.users(),
      queues: this.queues(),
      cases: this.cases(),
      work: this.work(currentUserId),
      caseStatuses: [...CASE_STATUSES],
    };
  }

  /**
   * The File a ContentDocument Id (its latest version) or a ContentVersion Id names, or undefined
   * when the org has none (15- or 18-character Ids).
   */
  file(id: string): ConsoleFile | undefined {
    if (!isSalesforceId(id)) return undefined;
    const full = to18(id);
    const doc = full.startsWith('069') ? this.state.get('ContentDocument', full) : undefined;
    const versionId = doc ? String(doc.LatestPublishedVersionId) : full.startsWith('068') ? full : undefined;
    const version = versionId ? this.state.get('ContentVersion', versionId) : undefined;
    if (!version) return undefined;
    const ext = text(version.FileExtension);
    const title = text(version.Title) || 'file';
    return { fileName: ext && !title.toLowerCase().endsWith(`.${ext}`) ? `${title}.${ext}` : title, bytes: blobBytes(version) };
  }

  caseView(caseId: string): CaseView | undefined {
    const c = this.state.all('Case').find((r) => r.Id === caseId || r.Id.slice(0, 15) === caseId);
    if (!c) return undefined;
    const transcript = this.state
      .all('Sendbird_Message__c')
      .filter((m) => m.Case__c === c.Id)
      .sort((a, b) => String(a.Sent_At__c ?? '').localeCompare(String(b.Sent_At__c ?? '')) || String(a.Name).localeCompare(String(b.Name)))
      .map((m) => ({
        Id: m.Id,
        Sendbird_Message_Id__c: String(m.Sendbird_Message_Id__c ?? ''),
        Sender_Name__c: text(m.Sender_Name__c),
        Sender_Role__c: text(m.Sender_Role__c),
        Body__c: text(m.Body__c),
        Sent_At__c: text(m.Sent_At__c),
        Message_Type__c: text(m.Message_Type__c),
        File_Name__c: text(m.File_Name__c),
        File_Url__c: text(m.File_Url__c),
        File_Id__c: text(m.File_Id__c),
        fileDownloadUrl: typeof m.File_Id__c === 'string' && this.file(m.File_Id__c) ? fileDownloadPath(m.File_Id__c) : null,
      }));
    const contact = typeof c.ContactId === 'string' ? this.state.get('Contact', c.ContactId) : undefined;
    return {
      case: {
        ...this.toCase(c),
        Description: text(c.Description),
        Origin: text(c.Origin),
        SuppliedEmail: text(c.SuppliedEmail),
        Sendbird_User_Id__c: text(c.Sendbird_User_Id__c),
        CreatedDate: String(c.CreatedDate ?? ''),
        contactName: text(contact?.Name),
        contactEmail: text(contact?.Email),
        accountName: typeof c.AccountId === 'string' ? text(this.state.get('Account', c.AccountId)?.Name) : null,
      },
      transcript,
    };
  }
}
