/**
 * Person Accounts, when the emulated org has them enabled (admin `PUT /__admin/person-accounts`):
 * an Account inserted with `LastName` (and no business name) is a person account: its `Name` is
 * the person's first and last name, `IsPersonAccount` is true, and the org makes its person
 * contact in the same DML (a Contact with the names, `Email` = `PersonEmail`, `AccountId` = the
 * Account, `IsPersonAccount` true), whose Id is the Account's `PersonContactId`. A Contact custom
 * field appears on the Account with the suffix `__pc` (`Sendbird_User_Id__pc`). Without Person
 * Accounts these fields do not exist: naming one in a write is INVALID_FIELD.
 *
 * Not emulated (docs/emulator-salesforce.md): record types deciding what is a person account
 * (`RecordTypeId` is only checked to be a RecordType Id), editing the person through the Account
 * after the insert, and refusing direct edits of a person contact.
 */
import { apiError } from './api-error.js';
import { fieldDef, objectDef, type ObjectDef } from './schema.js';
import type { OrgState, SfRecord } from './state.js';

/** Refuses Person Account fields in an org without them, as Salesforce refuses an unknown field. */
export function checkPersonFields(state: OrgState, def: ObjectDef, values: Record<string, unknown>): void {
  if (state.personAccounts) return;
  for (const name of Object.keys(values)) {
    if (fieldDef(def, name)?.personAccount) throw apiError(400, 'INVALID_FIELD', `No such column '${name}' on sobject of type ${def.name}`);
  }
}

/** Whether this Account insert makes a person account; fills in its Name. */
export function preparePersonAccount(state: OrgState, def: ObjectDef, rec: Record<string, unknown>): boolean {
  if (def.name !== 'Account' || !state.personAccounts || typeof rec.LastName !== 'string') return false;
  rec.Name = [rec.FirstName, rec.LastName].filter((x) => typeof x === 'string' && x).join(' ');
  rec.IsPersonAccount = true;
  return true;
}

/** The Contact fields a person account's `__pc` fields stand for. */
function contactTwins(account: SfRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(account)) if (name.endsWith('__pc')) out[`${name.slice(0, -4)}__c`] = value;
  return out;
}

/**
 * The person contact of a person account just inserted, and the Account pointing at it; `insert`
 * writes the Contact (system mode), `write` stores the Account as changed.
 */
export function afterPersonAccountInsert(
  account: SfRecord,
  insert: (def: ObjectDef, values: Record<string, unknown>) => SfRecord,
  write: (def: ObjectDef, before: SfRecord, after: SfRecord) => void,
): SfRecord {
  const contactDef = objectDef('Contact')!;
  const contact = insert(contactDef, {
    FirstName: account.FirstName ?? null,
    LastName: account.LastName,
    Email: account.PersonEmail ?? null,
    AccountId: account.Id,
    ...contactTwins(account),
  });
  write(contactDef, contact, { ...contact, IsPersonAccount: true } as SfRecord);
  const updated = { ...account, PersonContactId: contact.Id } as SfRecord;
  write(objectDef('Account')!, account, updated);
  return updated;
}
