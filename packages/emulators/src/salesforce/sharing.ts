/**
 * Record access for a session's running user, the part of Salesforce sharing this product relies
 * on (docs/emulator-salesforce.md, "Sharing"):
 * - Case has the org-wide default Private: a Case is visible to its owner, to the members of the
 *   queue that owns it (GroupMember), and to users with View All on Case (the integration user:
 *   the permission set Sendbird_Bridge_Integration). Its owner and the owning queue's members may
 *   edit it. The integration user may edit every Case too: the suites use it as the org's
 *   administrator, although the permission set grants no Modify All (the bridge itself edits only
 *   the Cases it creates).
 * - The detail of a master-detail (Sendbird_Message__c; CaseComment, a child of its Case the same
 *   way) is visible exactly when its master is, and writable when the master is readable
 *   (Sendbird_Message__c: write requires read) or editable (CaseComment).
 * - Every other object is public read/write (the emulator does not model their sharing).
 * Writes made by the org itself (seed, triggers, Omni-Channel, console actions) run in system
 * mode, without these checks, like Apex without sharing.
 */
import { EMULATOR_DEFAULTS } from './options.js';
import { allObjects, objectDef } from './schema.js';
import type { FieldDef, ObjectDef } from './schema.js';
import type { OrgState, SfRecord } from './state.js';

export interface RecordAccess {
  canRead(def: ObjectDef, rec: SfRecord): boolean;
  canEdit(def: ObjectDef, rec: SfRecord): boolean;
}

/** Objects whose org-wide default is Private in the emulated org. */
const PRIVATE_OBJECTS = new Set(['Case']);

interface Master {
  field: FieldDef;
  md: NonNullable<FieldDef['masterDetail']>;
  def: ObjectDef;
}

const masters = new Map<string, Master | null>();

/** The master-detail field of an object and its master, if it is a detail. */
export function masterOf(def: ObjectDef): Master | undefined {
  let m = masters.get(def.name);
  if (m === undefined) {
    const field = [...def.fields.values()].find((fd) => fd.masterDetail);
    const master = field?.referenceTo?.[0] ? objectDef(field.referenceTo[0]) : undefined;
    m = field?.masterDetail && master ? { field, md: field.masterDetail, def: master } : null;
    masters.set(def.name, m);
  }
  return m ?? undefined;
}

/** The objects that are details of `master`, with their master-detail field. */
export function detailsOf(master: ObjectDef): { def: ObjectDef; field: FieldDef }[] {
  return allObjects()
    .map((def) => ({ def, m: masterOf(def) }))
    .filter((x) => x.m?.def.name === master.name)
    .map((x) => ({ def: x.def, field: x.m!.field }));
}

/** Whether a user sees (and edits) every Case: in the emulated org, the integration user does. */
function hasAllCases(state: OrgState, userId: string): boolean {
  const username = state.get('User', userId)?.Username;
  return typeof username === 'string' && username.toLowerCase() === EMULATOR_DEFAULTS.integrationUsername;
}

/** The access of one running user; queue memberships are read once, on first need. */
export function userAccess(state: OrgState, userId: string): RecordAccess {
  const allCases = hasAllCases(state, userId);
  let queues: Set<string> | undefined;
  const memberOf = (groupId: string): boolean => {
    queues ??= new Set(state.findBy('GroupMember', 'UserOrGroupId', userId).map((m) => String(m.GroupId)));
    return queues.has(groupId);
  };
  const owns = (rec: SfRecord): boolean => {
    const owner = rec.OwnerId;
    return owner === userId || (typeof owner === 'string' && owner.startsWith('00G') && memberOf(owner));
  };
  const masterRecord = (m: Master, rec: SfRecord): SfRecord | undefined => {
    const id = rec[m.field.name];
    return typeof id === 'string' ? state.get(m.def, id) : undefined;
  };
  const access: RecordAccess = {
    canRead(def, rec) {
      const m = masterOf(def);
      if (m) {
        const master = masterRecord(m, rec);
        return !!master && access.canRead(m.def, master);
      }
      if (!PRIVATE_OBJECTS.has(def.name)) return true;
      return allCases || owns(rec);
    },
    canEdit(def, rec) {
      const m = masterOf(def);
      if (m) {
        const master = masterRecord(m, rec);
        if (!master) return false;
        return m.md.writeRequiresMasterRead ? access.canRead(m.def, master) : access.canEdit(m.def, master);
      }
      if (!PRIVATE_OBJECTS.has(def.name)) return true;
      return allCases || owns(rec);
    },
  };
  return access;
}

/** A user's highest access to a record, as UserRecordAccess.MaxAccessLevel names it. */
export type AccessLevel = 'None' | 'Read' | 'Edit' | 'All';

/**
 * The access UserRecordAccess reports (soql/execute.ts): All for the record's owner (a detail:
 * its master's owner), Edit where `userAccess` allows editing (the owning queue's members; the
 * integration user), Read where it allows reading, else None.
 */
export function accessLevel(state: OrgState, userId: string, def: ObjectDef, rec: SfRecord): AccessLevel {
  const access = userAccess(state, userId);
  if (!access.canRead(def, rec)) return 'None';
  const m = masterOf(def);
  const owned = m ? state.get(m.def, String(rec[m.field.name]))?.OwnerId : rec.OwnerId;
  if (owned === userId) return 'All';
  return access.canEdit(def, rec) ? 'Edit' : 'Read';
}
