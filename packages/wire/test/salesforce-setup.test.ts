// The SFDX project's setup metadata against the code that depends on it: the integration
// permission set grants every field the bridge writes (derived from the bridge's own constants
// and record builders, so the two cannot drift), agents read transcripts and nothing more,
// Sendbird_Message__c is a master-detail of Case, and the console app's utility bar is the
// tutorial's (Chat, 900 x 500, icon chat, started automatically).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { CASE_FIELD_ALLOW_LIST } from '../../bridge/src/tickets/case-schema.js';
import { MESSAGE_EXTERNAL_ID, MESSAGE_OBJECT, messageRecord } from '../../bridge/src/transcript/records.js';
import { OPEN_CASES_WITH_CHANNELS } from '../../bridge/src/case-reads.js';
import { CONTACT_CREATE_FIELDS, DEFAULT_CONTACT_MATCH_FIELD } from '../../bridge/src/tickets/contacts.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
const main = join(repoRoot, 'salesforce/force-app/main/default');
const omni = join(repoRoot, 'salesforce/omni-channel/main/default');
const xml = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) =>
    [
      'fieldPermissions',
      'objectPermissions',
      'classAccesses',
      'externalCredentialPrincipalAccesses',
      'applicationVisibilities',
      'itemInstances',
      'componentInstanceProperties',
      'flexiPageRegions',
      'tabs',
      'mappings',
    ].includes(name),
});

type Doc = Record<string, any>;
const read = (file: string, root: string): Doc => xml.parse(readFileSync(file, 'utf8'))[root] as Doc;
const permissionSet = (name: string) => read(join(main, `permissionsets/${name}.permissionset-meta.xml`), 'PermissionSet');

/**
 * Fields the bridge writes that no permission set can carry, with the reason (docs/salesforce-setup.md,
 * "Permission sets"). Each must stay out of the permission set: a deploy rejects field permissions
 * on a required or master-detail field.
 */
const NOT_PERMISSIONABLE: Record<string, string> = {
  'Case.Status': 'required on Case (always readable and editable by whoever may edit the Case)',
  'Case.Comments': "not a stored field: writing it inserts a CaseComment, governed by the user's access to the Case",
  'Sendbird_Message__c.Case__c': 'the master-detail field: access follows the Case',
  'Contact.LastName': 'required on Contact (always readable and editable by whoever may create the Contact)',
};

/** Custom fields named in a source file (what it reads or writes by name). */
function customFieldsIn(file: string): string[] {
  return [...new Set(readFileSync(join(repoRoot, file), 'utf8').match(/\b[A-Z]\w*__c\b/g) ?? [])].filter((f) => f !== MESSAGE_OBJECT);
}

/** Every field the bridge writes, as Object.Field, derived from its code. */
function bridgeWrites(): string[] {
  // Tickets: the customer's allow-listed fields, plus what the ticket service sets itself (the
  // Sendbird fields of its upsert body and key, and Origin).
  const caseFields = [
    ...CASE_FIELD_ALLOW_LIST,
    'Origin',
    ...customFieldsIn('packages/bridge/src/tickets/service.ts'),
    // The satisfaction survey's fields and the customer's end of the chat.
    ...customFieldsIn('packages/bridge/src/csat/service.ts'),
    ...customFieldsIn('packages/bridge/src/csat/chat-end.ts'),
  ];
  // Transcript: every field of the fullest record the bridge builds.
  const full = messageRecord({
    messageId: '1',
    caseId: '500000000000001AAA',
    channelUrl: '500000000000001AAA',
    version: 1,
    deleted: false,
    message: {
      type: 'FILE',
      body: 'b',
      senderId: 's',
      senderName: 'n',
      senderRole: 'Customer',
      sentAt: 0,
      editedAt: 1,
      file: { url: 'u', name: 'f', type: 't' },
    },
    state: 'pending',
    rev: 1,
    attempts: 0,
    receivedAt: 0,
    pendingSince: 0,
    nextAttemptAt: 0,
    salesforceId: null,
    lastError: null,
    syncedAt: null,
  });
  const messageFields = Object.keys(full).filter((k) => k !== 'attributes');
  // Contact matching: the Case's links, and the Contacts it creates.
  const contactFields = [...CONTACT_CREATE_FIELDS, DEFAULT_CONTACT_MATCH_FIELD];
  return [
    ...new Set([
      ...caseFields.map((f) => `Case.${f}`),
      'Case.ContactId',
      'Case.AccountId',
      ...messageFields.map((f) => `${MESSAGE_OBJECT}.${f}`),
      ...contactFields.map((f) => `Contact.${f}`),
    ]),
  ].sort();
}

function fieldGrants(set: Doc): Map<string, { readable: boolean; editable: boolean }> {
  return new Map(
    (set.fieldPermissions ?? []).map((f: Doc) => [String(f.field), { readable: f.readable === 'true', editable: f.editable === 'true' }]),
  );
}

describe('permission sets', () => {
  const integration = permissionSet('Sendbird_Bridge_Integration');
  const agent = permissionSet('Sendbird_Agent');

  test('the derived list of what the bridge writes is complete enough to mean something', () => {
    const writes = bridgeWrites();
    for (const f of [
      'Case.Subject',
      'Case.AssetId',
      'Case.Comments',
      'Case.Sendbird_Ticket_Id__c',
      'Case.Sendbird_User_Id__c',
      'Case.Sendbird_CSAT_Rating__c',
      'Case.Sendbird_CSAT_Comment__c',
      'Case.Sendbird_Customer_Ended_At__c',
      `${MESSAGE_OBJECT}.${MESSAGE_EXTERNAL_ID}`,
      `${MESSAGE_OBJECT}.Case__c`,
      `${MESSAGE_OBJECT}.File_Type__c`,
    ]) {
      assert.ok(writes.includes(f), `the bridge's code names ${f}`);
    }
  });

  test('Sendbird_Bridge_Integration lets the integration user write every field the bridge writes', () => {
    const grants = fieldGrants(integration);
    for (const field of bridgeWrites()) {
      if (field in NOT_PERMISSIONABLE) {
        assert.ok(!grants.has(field), `${field} must not be in the permission set: ${NOT_PERMISSIONABLE[field]}`);
        continue;
      }
      assert.deepEqual(
        grants.get(field),
        { readable: true, editable: true },
        `Sendbird_Bridge_Integration grants read and edit on ${field}`,
      );
    }
    const objects = new Map((integration.objectPermissions as Doc[]).map((o) => [String(o.object), o]));
    for (const object of ['Case', MESSAGE_OBJECT]) {
      const o = objects.get(object);
      assert.ok(o, `object permissions on ${object}`);
      assert.equal(o.allowRead, 'true', `read ${object}`);
      assert.equal(o.allowCreate, 'true', `create ${object}`);
      assert.equal(o.allowEdit, 'true', `edit ${object}`);
      assert.equal(o.allowDelete, 'false', `no delete on ${object}`);
    }
    assert.equal(objects.get('Sendbird_Sync_Error__c')?.allowRead, 'true', 'reads the sync error log');
    // Contact matching: find, create (an upsert on the External Id updates one) and link Contacts;
    // create Person Accounts; never delete either, nor see Contacts sharing hides.
    const contact = objects.get('Contact');
    assert.deepEqual(
      [contact?.allowRead, contact?.allowCreate, contact?.allowEdit, contact?.allowDelete, contact?.viewAllRecords],
      ['true', 'true', 'true', 'false', 'false'],
      'Contact: read, create, edit',
    );
    const account = objects.get('Account');
    assert.deepEqual(
      [account?.allowRead, account?.allowCreate, account?.allowEdit, account?.allowDelete],
      ['true', 'true', 'false', 'false'],
      'Account: read, create',
    );
    assert.equal(grants.get('Contact.AccountId')?.readable, true, 'the Contact query reads its Account');
  });

  test('the integration user can read what the bridge queries on Case', () => {
    const grants = fieldGrants(integration);
    const queried = [
      ...new Set(
        [...OPEN_CASES_WITH_CHANNELS.matchAll(/\b(\w+__c)\b/g)]
          .map((m) => m[1])
          .concat(customFieldsIn('packages/bridge/src/case-reads.ts')),
      ),
    ];
    assert.ok(queried.length >= 2, 'the sweep and the Case reads name Sendbird fields');
    for (const f of queried) assert.equal(grants.get(`Case.${f}`)?.readable, true, `Case.${f} is readable`);
  });

  test('the integration user holds the External Credential principal the event callouts use', () => {
    const principals = (integration.externalCredentialPrincipalAccesses ?? [])
      .filter((a: Doc) => a.enabled === 'true')
      .map((a: Doc) => a.externalCredentialPrincipal);
    assert.deepEqual(principals, ['Sendbird_Bridge_Auth-Bridge']);
  });

  test('Sendbird_Agent: the session class and credential, the console app, transcripts read-only', () => {
    assert.deepEqual(
      (agent.classAccesses as Doc[]).map((c) => c.apexClass),
      ['SendbirdAgentSession'],
      'only the panel session class',
    );
    const principals = (agent.externalCredentialPrincipalAccesses ?? [])
      .filter((a: Doc) => a.enabled === 'true')
      .map((a: Doc) => a.externalCredentialPrincipal);
    assert.deepEqual(principals, ['Sendbird_Bridge_Auth-Bridge'], 'the session callout needs the principal');
    assert.deepEqual(
      (agent.applicationVisibilities as Doc[]).map((a) => [a.application, a.visible]),
      [['Sendbird_Service_Console', 'true']],
      'agents see the console app',
    );
    assert.ok(
      readdirSync(join(main, 'applications')).includes('Sendbird_Service_Console.app-meta.xml'),
      'the app the permission set names is in the project',
    );
    const messages = (agent.objectPermissions as Doc[]).find((o) => o.object === MESSAGE_OBJECT);
    assert.ok(messages, 'object permissions on the transcript');
    for (const flag of ['allowCreate', 'allowEdit', 'allowDelete', 'modifyAllRecords', 'viewAllRecords']) {
      assert.equal(
        messages[flag],
        'false',
        `agents: ${flag} is false on ${MESSAGE_OBJECT} (they see the transcripts of the Cases they can see)`,
      );
    }
    assert.equal(messages.allowRead, 'true', 'agents read transcripts');
    for (const [field, grant] of fieldGrants(agent))
      assert.deepEqual(grant, { readable: true, editable: false }, `agents read ${field} and cannot edit it`);
    const messageFields = readdirSync(join(main, `objects/${MESSAGE_OBJECT}/fields`)).map((f) => f.replace('.field-meta.xml', ''));
    for (const f of messageFields) {
      if (`${MESSAGE_OBJECT}.${f}` in NOT_PERMISSIONABLE) continue;
      assert.ok(fieldGrants(agent).has(`${MESSAGE_OBJECT}.${f}`), `agents read ${MESSAGE_OBJECT}.${f}`);
    }
  });
});

describe('Sendbird_Message__c', () => {
  test('Case__c is a master-detail of Case with the relationship name the bridge and the related list use', () => {
    const field = read(join(main, `objects/${MESSAGE_OBJECT}/fields/Case__c.field-meta.xml`), 'CustomField');
    assert.equal(field.type, 'MasterDetail');
    assert.equal(field.referenceTo, 'Case');
    assert.equal(field.relationshipName, 'Sendbird_Messages', 'the child relationship keeps its name');
    assert.equal(field.relationshipLabel, 'Sendbird Messages');
    assert.equal(field.reparentableMasterDetail, 'true', "updateable, so the bridge's upsert of an existing message may name its Case");
    assert.equal(field.writeRequiresMasterRead, 'true', 'the integration user writes transcripts of Cases it can read');
    assert.equal(field.required, undefined, 'a master-detail field takes no <required>');
    assert.equal(field.deleteConstraint, undefined, 'a master-detail field takes no <deleteConstraint>');
    const object = read(join(main, `objects/${MESSAGE_OBJECT}/${MESSAGE_OBJECT}.object-meta.xml`), 'CustomObject');
    assert.equal(object.sharingModel, 'ControlledByParent');
    assert.equal(object.externalSharingModel, 'ControlledByParent');
    assert.equal(object.enableSearch, 'false', 'transcripts are found through their Case');
  });
});

describe('the console app and its utility bar', () => {
  const app = read(join(main, 'applications/Sendbird_Service_Console.app-meta.xml'), 'CustomApplication');
  const bar = (dir: string) => read(join(dir, 'flexipages/Sendbird_Service_Console_UtilityBar.flexipage-meta.xml'), 'FlexiPage');
  const items = (page: Doc) =>
    (page.flexiPageRegions as Doc[])
      .filter((r) => r.name === 'utilityItems')
      .flatMap((r) => r.itemInstances as Doc[])
      .map((i) => ({
        component: String(i.componentInstance.componentName),
        decorators: Object.fromEntries(
          (i.componentInstance.componentInstanceProperties as Doc[]).filter((p) => p.type === 'decorator').map((p) => [p.name, p.value]),
        ),
      }));

  test('a Lightning console app with Cases in workspace tabs and the Sendbird utility bar', () => {
    assert.equal(app.navType, 'Console');
    assert.equal(app.uiType, 'Lightning');
    assert.equal(app.formFactors, 'Large');
    assert.ok(app.tabs.includes('standard-Case'), 'the Case tab');
    assert.ok(
      (app.workspaceConfig.mappings as Doc[]).some((m) => m.tab === 'standard-Case' && m.fieldName === undefined),
      'a Case opens as a workspace tab of its own',
    );
    assert.equal(app.utilityBar, 'Sendbird_Service_Console_UtilityBar');
  });

  test("the Chat utility is the tutorial's: 900 x 500, icon chat, started automatically", () => {
    const page = bar(main);
    assert.equal(page.type, 'UtilityBar');
    assert.equal(page.template.name, 'one:utilityBarTemplateDesktop');
    assert.deepEqual(items(page), [
      {
        component: 'c:sendbird_utilities_bar',
        decorators: { eager: 'true', height: '500', icon: 'chat', label: 'Chat', scrollable: 'false', width: '900' },
      },
    ]);
    const bundle = readdirSync(join(main, 'aura/sendbird_utilities_bar'));
    assert.ok(bundle.includes('sendbird_utilities_bar.cmp'), 'the utility names a component of the project');
  });

  test('the omni-channel package ships the same bar plus the Omni-Channel utility', () => {
    const core = items(bar(main));
    const withOmni = items(bar(omni));
    assert.deepEqual(withOmni.slice(0, core.length), core, 'the Chat utility is identical in both');
    assert.deepEqual(
      withOmni.slice(core.length).map((i) => i.component),
      ['runtime_service_omnichannel:omniWidget'],
    );
  });
});

/**
 * Lengths a deploy enforces on the metadata's own text (Salesforce's field reference: a permission
 * set's Label 80 and Description 255; a custom field's label 40, description 1,000 and help text
 * 510): a longer one deploys nowhere, and no offline converter says so.
 */
const TEXT_LIMITS: { suffix: string; limits: Record<string, number> }[] = [
  { suffix: '.permissionset-meta.xml', limits: { label: 80, description: 255 } },
  { suffix: '.field-meta.xml', limits: { label: 40, description: 1000, inlineHelpText: 510 } },
];

function metadataFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f));
}

function topLevelText(file: string, tag: string): string | undefined {
  const m = new RegExp(`^    <${tag}>([\\s\\S]*?)</${tag}>`, 'm').exec(readFileSync(file, 'utf8'));
  if (!m?.[1]) return undefined;
  return m[1]
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

test("every permission set's and custom field's label, description and help text fit the lengths a deploy allows", () => {
  const files = [...metadataFiles(main), ...metadataFiles(omni)];
  const checked: string[] = [];
  const tooLong: string[] = [];
  for (const { suffix, limits } of TEXT_LIMITS) {
    for (const file of files.filter((f) => f.endsWith(suffix))) {
      checked.push(file);
      for (const [tag, max] of Object.entries(limits)) {
        const text = topLevelText(file, tag);
        if (text !== undefined && text.length > max)
          tooLong.push(`${file.slice(repoRoot.length + 1)}: <${tag}> is ${text.length} characters (at most ${max})`);
      }
    }
  }
  assert.ok(checked.filter((f) => f.endsWith('.permissionset-meta.xml')).length >= 2, 'the permission sets were found');
  assert.ok(checked.filter((f) => f.endsWith('.field-meta.xml')).length >= 10, 'the custom fields were found');
  assert.deepEqual(tooLong, []);
});
