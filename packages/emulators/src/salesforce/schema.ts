/**
 * The sObjects the emulator knows, with the field properties that drive validation: type, length,
 * required, createable/updateable, External Id / unique, picklist values. Field names are matched
 * case-insensitively, as Salesforce does, and answered in their canonical spelling.
 *
 * Standard fields follow the SOAP API object reference (Case, User, Group, CaseComment, AgentWork,
 * Account, Contact); the custom fields and object are this product's own metadata.
 */

export type FieldType =
  | 'id'
  | 'string'
  | 'textarea'
  | 'email'
  | 'phone'
  | 'url'
  | 'picklist'
  | 'boolean'
  | 'datetime'
  | 'reference'
  | 'autonumber'
  | 'double'
  | 'int'
  | 'base64';

export interface FieldDef {
  name: string;
  label: string;
  type: FieldType;
  length?: number;
  /** Must have a value after defaults are applied. */
  required?: boolean;
  createable: boolean;
  updateable: boolean;
  externalId?: boolean;
  /** Unique, case-insensitive (the default choice when a unique text field is created). */
  unique?: boolean;
  picklist?: readonly string[];
  /** Values outside `picklist` are refused. */
  restricted?: boolean;
  referenceTo?: readonly string[];
  /**
   * The detail side of a master-detail relationship (the field's record is deleted with its
   * master, has no owner, and is visible exactly when its master is; see sharing.ts).
   * `reparentable`: the metadata's reparentableMasterDetail; without it the field is not
   * updateable, so an update that names it is refused (INVALID_FIELD_FOR_INSERT_UPDATE).
   * `writeRequiresMasterRead`: read access on the master is enough to create, edit or delete
   * details (the field's "Sharing Setting" Read Only); false means edit access is needed.
   */
  masterDetail?: { reparentable: boolean; writeRequiresMasterRead: boolean };
  /**
   * The child relationship name a query of the referenced (parent) object uses for this field's
   * records: `(SELECT ... FROM Sendbird_Messages__r)` on Case. Custom relationships end in `__r`.
   */
  childRelationship?: string;
  defaultValue?: unknown;
  /** Exists only in an org with Person Accounts enabled (person-accounts.ts). */
  personAccount?: boolean;
}

export interface ObjectDef {
  name: string;
  keyPrefix: string;
  fields: Map<string, FieldDef>;
  /** Auto-number pattern for the Name field of a custom object, if it is one. */
  autoNumber?: { field: string; format: (n: number) => string; start: number };
}

type Spec = Omit<FieldDef, 'createable' | 'updateable'> & { createable?: boolean; updateable?: boolean };

const ro = (name: string, label: string, type: FieldType, extra: Partial<FieldDef> = {}): Spec => ({
  name,
  label,
  type,
  createable: false,
  updateable: false,
  ...extra,
});
const f = (name: string, label: string, type: FieldType, extra: Partial<FieldDef> = {}): Spec => ({ name, label, type, ...extra });

const audit = (): Spec[] => [
  ro('Id', 'Record ID', 'id'),
  ro('IsDeleted', 'Deleted', 'boolean'),
  ro('CreatedDate', 'Created Date', 'datetime'),
  ro('CreatedById', 'Created By ID', 'reference', { referenceTo: ['User'] }),
  ro('LastModifiedDate', 'Last Modified Date', 'datetime'),
  ro('LastModifiedById', 'Last Modified By ID', 'reference', { referenceTo: ['User'] }),
  ro('SystemModstamp', 'System Modstamp', 'datetime'),
];
const owner = (): Spec => f('OwnerId', 'Owner ID', 'reference', { referenceTo: ['User', 'Group'] });
/** A master-detail field: required, pointing at its master. */
/** A master-detail that cannot be reparented is not updateable: an update naming it is refused. */
const masterDetail = (
  name: string,
  label: string,
  master: string,
  md: NonNullable<FieldDef['masterDetail']>,
  childRelationship: string,
): Spec =>
  f(name, label, 'reference', { referenceTo: [master], required: true, masterDetail: md, updateable: md.reparentable, childRelationship });

export const CASE_STATUSES = ['New', 'Working', 'Escalated', 'Closed'] as const;
/** Statuses whose CaseStatus.IsClosed is true in a default org. */
export const CLOSED_STATUSES = new Set(['Closed']);

const SPECS: Record<string, { prefix: string; fields: Spec[]; autoNumber?: ObjectDef['autoNumber'] }> = {
  Case: {
    prefix: '500',
    fields: [
      ...audit(),
      ro('CaseNumber', 'Case Number', 'autonumber', { length: 30 }),
      f('Subject', 'Subject', 'string', { length: 255 }),
      f('Description', 'Description', 'textarea', { length: 32000 }),
      f('Status', 'Status', 'picklist', { picklist: CASE_STATUSES, defaultValue: 'New' }),
      ro('IsClosed', 'Closed', 'boolean'),
      ro('ClosedDate', 'Closed Date', 'datetime'),
      f('Priority', 'Priority', 'picklist', { picklist: ['High', 'Medium', 'Low'], defaultValue: 'Medium' }),
      f('Origin', 'Case Origin', 'picklist', { picklist: ['Phone', 'Email', 'Web'] }),
      f('Type', 'Case Type', 'picklist', { picklist: ['Mechanical', 'Electrical', 'Electronic', 'Structural', 'Other'] }),
      f('Reason', 'Case Reason', 'picklist', {
        picklist: ['Installation', 'Equipment Complexity', 'Performance', 'Breakdown', 'Equipment Design', 'Feedback', 'Other'],
      }),
      f('SuppliedName', 'Name', 'string', { length: 80 }),
      f('SuppliedEmail', 'Email Address', 'email', { length: 80 }),
      f('SuppliedPhone', 'Phone', 'string', { length: 40 }),
      f('SuppliedCompany', 'Company', 'string', { length: 80 }),
      f('ContactId', 'Contact ID', 'reference', { referenceTo: ['Contact'] }),
      f('AccountId', 'Account ID', 'reference', { referenceTo: ['Account'] }),
      f('AssetId', 'Asset ID', 'reference', { referenceTo: ['Asset'] }),
      f('Comments', 'Internal Comments', 'textarea', { length: 4000 }),
      owner(),
      f('Sendbird_Ticket_Id__c', 'Sendbird Ticket Id', 'string', { length: 64, externalId: true, unique: true }),
      f('Sendbird_User_Id__c', 'Sendbird User Id', 'string', { length: 80 }),
      f('Sendbird_CSAT_Status__c', 'CSAT Status', 'picklist', { picklist: ['Sent', 'Answered', 'Expired'], restricted: true }),
      f('Sendbird_CSAT_Rating__c', 'CSAT Rating', 'double'),
      f('Sendbird_CSAT_Comment__c', 'CSAT Comment', 'textarea', { length: 1000 }),
      f('Sendbird_CSAT_Sent_At__c', 'CSAT Sent At', 'datetime'),
      f('Sendbird_CSAT_Answered_At__c', 'CSAT Answered At', 'datetime'),
      f('Sendbird_Customer_Ended_At__c', 'Customer Ended Chat At', 'datetime'),
    ],
  },
  User: {
    prefix: '005',
    fields: [
      ...audit(),
      ro('Name', 'Full Name', 'string', { length: 121 }),
      f('FirstName', 'First Name', 'string', { length: 40 }),
      f('LastName', 'Last Name', 'string', { length: 80, required: true }),
      f('Email', 'Email', 'email', { length: 128, required: true }),
      f('Username', 'Username', 'string', { length: 80, required: true, unique: true }),
      f('Alias', 'Alias', 'string', { length: 8 }),
      f('IsActive', 'Active', 'boolean', { defaultValue: true }),
    ],
  },
  Group: {
    prefix: '00G',
    fields: [
      ...audit(),
      f('Name', 'Name', 'string', { length: 40, required: true }),
      f('DeveloperName', 'Developer Name', 'string', { length: 80, unique: true }),
      f('Type', 'Type', 'picklist', { picklist: ['Regular', 'Role', 'Queue', 'Organization'], restricted: true, defaultValue: 'Regular' }),
      f('Email', 'Email', 'email', { length: 255 }),
      owner(),
    ],
  },
  // Who belongs to a group or queue (only direct user members are emulated: no nested groups or roles).
  GroupMember: {
    prefix: '011',
    fields: [
      ro('Id', 'Group Member ID', 'id'),
      ro('SystemModstamp', 'System Modstamp', 'datetime'),
      f('GroupId', 'Group ID', 'reference', { referenceTo: ['Group'], required: true, updateable: false }),
      f('UserOrGroupId', 'User/Group ID', 'reference', { referenceTo: ['User', 'Group'], required: true, updateable: false }),
    ],
  },
  CaseComment: {
    prefix: '00a',
    fields: [
      ...audit(),
      // A child of its Case as a detail is: no owner, visible with the Case, deleted with it; never
      // moved (not updateable at all). Writing one takes edit access to the Case.
      masterDetail('ParentId', 'Parent Case ID', 'Case', { reparentable: false, writeRequiresMasterRead: false }, 'CaseComments'),
      f('CommentBody', 'Body', 'textarea', { length: 4000 }),
      f('IsPublished', 'Published', 'boolean', { defaultValue: false }),
    ],
  },
  AgentWork: {
    prefix: '0Bz',
    fields: [
      ...audit(),
      f('WorkItemId', 'Work Item ID', 'reference', { referenceTo: ['Case'], required: true, updateable: false }),
      f('UserId', 'User ID', 'reference', { referenceTo: ['User'], required: true, updateable: false }),
      f('ServiceChannelId', 'Service Channel ID', 'reference', { referenceTo: ['ServiceChannel'] }),
      f('Status', 'Status', 'picklist', {
        picklist: ['Assigned', 'Opened', 'Declined', 'Closed', 'Canceled', 'Unavailable', 'DeclinedOnPushTimeout', 'Transferred'],
        defaultValue: 'Assigned',
      }),
      f('AcceptDateTime', 'Accept Date', 'datetime'),
      owner(),
    ],
  },
  Account: {
    prefix: '001',
    fields: [
      ...audit(),
      f('Name', 'Account Name', 'string', { length: 255, required: true }),
      f('Type', 'Account Type', 'picklist', { picklist: ['Prospect', 'Customer', 'Partner', 'Other'] }),
      f('Industry', 'Industry', 'picklist', { picklist: ['Technology', 'Retail', 'Other'] }),
      f('BillingStreet', 'Billing Street', 'textarea', { length: 255 }),
      f('BillingCity', 'Billing City', 'string', { length: 40 }),
      f('BillingState', 'Billing State/Province', 'string', { length: 80 }),
      f('Phone', 'Account Phone', 'phone', { length: 40 }),
      f('Website', 'Website', 'url', { length: 255 }),
      f('RecordTypeId', 'Record Type ID', 'reference', { referenceTo: ['RecordType'] }),
      owner(),
      // Person Accounts (Object Reference, "Person Account"): the person's names and email on the
      // Account, the person contact behind it, and a Contact custom field as its `__pc` twin.
      f('FirstName', 'First Name', 'string', { length: 40, personAccount: true }),
      f('LastName', 'Last Name', 'string', { length: 80, personAccount: true }),
      f('PersonEmail', 'Email', 'email', { length: 80, personAccount: true }),
      ro('IsPersonAccount', 'Is Person Account', 'boolean', { personAccount: true, defaultValue: false }),
      ro('PersonContactId', 'Person Contact ID', 'reference', { referenceTo: ['Contact'], personAccount: true }),
      f('Sendbird_User_Id__pc', 'Sendbird User Id', 'string', { length: 80, personAccount: true }),
      // The External Id fields of the REST API Developer Guide's upsert examples, so they replay unchanged.
      f('customExtIdField__c', 'customExtIdField', 'string', { length: 255, externalId: true, unique: true }),
      f('MyExtId__c', 'MyExtId', 'string', { length: 255, externalId: true, unique: true }),
    ],
  },
  Contact: {
    prefix: '003',
    fields: [
      ...audit(),
      ro('Name', 'Full Name', 'string', { length: 121 }),
      f('FirstName', 'First Name', 'string', { length: 40 }),
      f('LastName', 'Last Name', 'string', { length: 80, required: true }),
      f('Email', 'Email', 'email', { length: 80 }),
      f('Phone', 'Business Phone', 'phone', { length: 40 }),
      f('Title', 'Title', 'string', { length: 128 }),
      f('MailingStreet', 'Mailing Street', 'textarea', { length: 255 }),
      f('MailingCity', 'Mailing City', 'string', { length: 40 }),
      f('AccountId', 'Account ID', 'reference', { referenceTo: ['Account'] }),
      owner(),
      ro('IsPersonAccount', 'Is Person Account', 'boolean', { personAccount: true, defaultValue: false }),
      // This product's key: the customer's Sendbird user id, for contact matching (External ID, unique).
      f('Sendbird_User_Id__c', 'Sendbird User Id', 'string', { length: 80, externalId: true, unique: true }),
    ],
  },
  Sendbird_Message__c: {
    // Custom objects get an a0x prefix assigned per org; a01 is a plausible first one.
    prefix: 'a01',
    autoNumber: { field: 'Name', start: 1, format: (n) => `SBM-${String(n).padStart(8, '0')}` },
    fields: [
      ...audit(),
      ro('Name', 'Sendbird Message Name', 'autonumber', { length: 80 }),
      // The detail of a master-detail to Case, as the SFDX project's Case__c field: no OwnerId,
      // sharing Controlled by Parent, reparentable (so updateable: the bridge's upsert names the
      // Case on every write), and read access on the Case is enough to write its messages (the
      // integration user has View All, not Modify All, on Case).
      // relationshipName Sendbird_Messages in the field's metadata: Sendbird_Messages__r in SOQL.
      masterDetail('Case__c', 'Case', 'Case', { reparentable: true, writeRequiresMasterRead: true }, 'Sendbird_Messages__r'),
      f('Sendbird_Message_Id__c', 'Sendbird Message Id', 'string', { length: 64, externalId: true, unique: true }),
      f('Channel_Url__c', 'Channel Url', 'string', { length: 100 }),
      f('Sender_Id__c', 'Sender Id', 'string', { length: 80 }),
      f('Sender_Name__c', 'Sender Name', 'string', { length: 255 }),
      f('Sender_Role__c', 'Sender Role', 'picklist', { picklist: ['Customer', 'Agent', 'System'], restricted: true }),
      f('Body__c', 'Body', 'textarea', { length: 131072 }),
      f('Sent_At__c', 'Sent At', 'datetime'),
      f('Message_Type__c', 'Message Type', 'picklist', { picklist: ['MESG', 'FILE', 'ADMM'], restricted: true }),
      f('File_Url__c', 'File Url', 'textarea', { length: 32768 }),
      f('File_Name__c', 'File Name', 'string', { length: 255 }),
      f('File_Type__c', 'File Type', 'string', { length: 100 }),
      // The Salesforce File (ContentDocument) the bridge stored the chat's file as.
      f('File_Id__c', 'File Id', 'string', { length: 18 }),
      f('Is_Deleted_In_Chat__c', 'Is Deleted In Chat', 'boolean', { defaultValue: false }),
      f('Edited_At__c', 'Edited At', 'datetime'),
    ],
  },
  // Salesforce Files (Object Reference: ContentVersion, ContentDocument, ContentDocumentLink).
  // A ContentVersion insert makes its ContentDocument (unless it names one: a new version) and,
  // with FirstPublishLocationId, the link to that record (content.ts).
  ContentVersion: {
    prefix: '068',
    fields: [
      ...audit(),
      f('Title', 'Title', 'string', { length: 255 }),
      f('PathOnClient', 'Path On Client', 'string', { length: 500, updateable: false, required: true }),
      f('VersionData', 'Version Data', 'base64', { updateable: false, required: true }),
      f('Description', 'Description', 'textarea', { length: 1000 }),
      f('ReasonForChange', 'Reason For Change', 'string', { length: 1000 }),
      f('ContentDocumentId', 'ContentDocument ID', 'reference', { referenceTo: ['ContentDocument'], updateable: false }),
      f('FirstPublishLocationId', 'First Publish Location ID', 'reference', {
        referenceTo: ['Case', 'Account', 'Contact', 'User', 'Group'],
        updateable: false,
      }),
      ro('ContentSize', 'Size', 'int'),
      ro('FileExtension', 'File Extension', 'string', { length: 40 }),
      ro('FileType', 'File Type', 'string', { length: 20 }),
      ro('Checksum', 'Checksum', 'string', { length: 50 }),
      ro('IsLatest', 'Is Latest', 'boolean'),
      ro('VersionNumber', 'Version Number', 'string', { length: 20 }),
      f('ContentLocation', 'Content Location', 'picklist', {
        picklist: ['S', 'E', 'L'],
        restricted: true,
        defaultValue: 'S',
        updateable: false,
      }),
      owner(),
      // This product's key: the Sendbird message a file came from, so a retried upload finds it.
      f('Sendbird_Message_Id__c', 'Sendbird Message Id', 'string', { length: 64, externalId: true, unique: true }),
    ],
  },
  ContentDocument: {
    prefix: '069',
    fields: [
      ...audit(),
      f('Title', 'Title', 'string', { length: 255 }),
      ro('LatestPublishedVersionId', 'Latest Published Version ID', 'reference', { referenceTo: ['ContentVersion'] }),
      ro('ContentSize', 'Size', 'int'),
      ro('FileExtension', 'File Extension', 'string', { length: 40 }),
      ro('FileType', 'File Type', 'string', { length: 20 }),
      f('Description', 'Description', 'textarea', { length: 1000 }),
      owner(),
    ],
  },
  ContentDocumentLink: {
    prefix: '06A',
    fields: [
      ro('Id', 'ContentDocument Link ID', 'id'),
      ro('IsDeleted', 'Deleted', 'boolean'),
      ro('SystemModstamp', 'System Modstamp', 'datetime'),
      f('ContentDocumentId', 'ContentDocument ID', 'reference', { referenceTo: ['ContentDocument'], required: true, updateable: false }),
      f('LinkedEntityId', 'Linked Entity ID', 'reference', {
        referenceTo: ['Case', 'Account', 'Contact', 'User', 'Group'],
        required: true,
        updateable: false,
      }),
      // V viewer, C collaborator, I inferred (the owner's own link).
      f('ShareType', 'Share Type', 'picklist', { picklist: ['V', 'C', 'I'], restricted: true, required: true }),
      f('Visibility', 'Visibility', 'picklist', {
        picklist: ['AllUsers', 'InternalUsers', 'SharedUsers'],
        restricted: true,
        defaultValue: 'AllUsers',
      }),
    ],
  },
};

function build(): Map<string, ObjectDef> {
  const out = new Map<string, ObjectDef>();
  for (const [name, spec] of Object.entries(SPECS)) {
    const fields = new Map<string, FieldDef>();
    for (const s of spec.fields) {
      fields.set(s.name.toLowerCase(), { createable: true, updateable: true, ...s });
    }
    out.set(name.toLowerCase(), { name, keyPrefix: spec.prefix, fields, ...(spec.autoNumber ? { autoNumber: spec.autoNumber } : {}) });
  }
  return out;
}

const OBJECTS = build();

/** The object definition for a type name (any case), or undefined. */
export function objectDef(name: string): ObjectDef | undefined {
  return OBJECTS.get(name.toLowerCase());
}

/** The object whose records have Ids with this key prefix. */
export function objectByPrefix(prefix: string): ObjectDef | undefined {
  for (const def of OBJECTS.values()) if (def.keyPrefix === prefix) return def;
  return undefined;
}

export function fieldDef(obj: ObjectDef, name: string): FieldDef | undefined {
  return obj.fields.get(name.toLowerCase());
}

export function allObjects(): ObjectDef[] {
  return [...OBJECTS.values()];
}

/** The child object and its reference field behind a child relationship name of `parent` (any case). */
export function childRelationship(parent: ObjectDef, name: string): { def: ObjectDef; field: FieldDef } | undefined {
  const wanted = name.toLowerCase();
  for (const def of OBJECTS.values()) {
    for (const field of def.fields.values()) {
      if (field.childRelationship?.toLowerCase() === wanted && field.referenceTo?.includes(parent.name)) return { def, field };
    }
  }
  return undefined;
}

/**
 * UserRecordAccess (Object Reference): a user's access to up to 200 records, query() only. It
 * has no records of its own: the query engine answers it from the sharing model (soql/execute.ts),
 * and it is not among the objects the REST API creates, reads or describes.
 */
export const USER_RECORD_ACCESS: ObjectDef = {
  name: 'UserRecordAccess',
  keyPrefix: '',
  fields: new Map(
    (
      [
        ro('Id', 'User Record Access ID', 'id'),
        ro('UserId', 'User ID', 'reference', { referenceTo: ['User'] }),
        // A picklist in the Object Reference; it holds record Ids, compared as Ids here.
        ro('RecordId', 'Record ID', 'id', { length: 40 }),
        ro('HasReadAccess', 'Has Read Access', 'boolean'),
        ro('HasEditAccess', 'Has Edit Access', 'boolean'),
        ro('HasDeleteAccess', 'Has Delete Access', 'boolean'),
        ro('HasTransferAccess', 'Has Transfer Access', 'boolean'),
        ro('HasAllAccess', 'Has All Access', 'boolean'),
        ro('MaxAccessLevel', 'Maximum Access Level', 'picklist', { picklist: ['None', 'Read', 'Edit', 'Delete', 'Transfer', 'All'] }),
      ] as FieldDef[]
    ).map((fd) => [fd.name.toLowerCase(), fd]),
  ),
};

/** Key prefixes of referenced objects the emulator does not store (checked by prefix only). */
export const FOREIGN_PREFIXES: Record<string, string> = { Asset: '02i', ServiceChannel: '0N9', RecordType: '012' };
