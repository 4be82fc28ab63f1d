/**
 * Seed data, with deterministic Ids (same order, same counters, same Ids on every start and
 * reset): the integration user (the client-credentials "Run As" user), three agents, the
 * "Sendbird Support" queue with the agents as its members, and a few Cases.
 */
import type { ResolvedOptions } from './options.js';
import { EMULATOR_DEFAULTS } from './options.js';
import { objectDef } from './schema.js';
import type { ObjectDef } from './schema.js';
import type { OrgState } from './state.js';
import { insertRecord, writeRecord } from './write.js';
import type { WriteContext } from './write.js';

export interface SeedInfo {
  orgId: string;
  integrationUserId: string;
  /** Agents by first name: ava, ben, cara. */
  agents: { ava: string; ben: string; cara: string };
  queueId: string;
  caseIds: string[];
}

const def = (name: string): ObjectDef => objectDef(name)!;

export function seedOrg(state: OrgState, opts: ResolvedOptions): SeedInfo {
  state.clear();
  const now = opts.now();
  const boot: WriteContext = { userId: '', now };
  // The first User Id is known before it exists, so the integration user "creates" itself.
  const integration = insertRecord(
    state,
    def('User'),
    {
      FirstName: 'Integration',
      LastName: 'User',
      Username: EMULATOR_DEFAULTS.integrationUsername,
      Email: EMULATOR_DEFAULTS.integrationUsername,
      Alias: 'integ',
    },
    boot,
  );
  const self = { ...integration, CreatedById: integration.Id, LastModifiedById: integration.Id };
  writeRecord(state, { def: def('User'), before: integration, after: self });
  const ctx: WriteContext = { userId: integration.Id, now };
  const info: SeedInfo = {
    orgId: state.orgId,
    integrationUserId: integration.Id,
    agents: { ava: '', ben: '', cara: '' },
    queueId: '',
    caseIds: [],
  };
  if (!opts.seed) return info;
  for (const first of ['Ava', 'Ben', 'Cara'] as const) {
    const user = insertRecord(
      state,
      def('User'),
      {
        FirstName: first,
        LastName: 'Agent',
        Username: `${first.toLowerCase()}.agent@sbsf.example`,
        Email: `${first.toLowerCase()}.agent@sbsf.example`,
        Alias: first.toLowerCase(),
      },
      ctx,
    );
    info.agents[first.toLowerCase() as 'ava' | 'ben' | 'cara'] = user.Id;
  }
  info.queueId = insertRecord(state, def('Group'), { Name: 'Sendbird Support', DeveloperName: 'Sendbird_Support', Type: 'Queue' }, ctx).Id;
  // The agents are the queue's members, so each of them sees the Cases the queue owns (sharing.ts).
  for (const agentId of Object.values(info.agents))
    insertRecord(state, def('GroupMember'), { GroupId: info.queueId, UserOrGroupId: agentId }, ctx);
  const cases = [
    {
      Subject: 'Cannot sign in to the app',
      Description: 'The login button does nothing.',
      Origin: 'Web',
      OwnerId: info.queueId,
      SuppliedName: 'Dana Customer',
      SuppliedEmail: 'dana@example.com',
      Sendbird_Ticket_Id__c: 'seed-ticket-0001',
      Sendbird_User_Id__c: 'customer-dana',
    },
    {
      Subject: 'Refund for a double charge',
      Status: 'Working',
      Priority: 'High',
      Origin: 'Web',
      OwnerId: info.agents.ava,
      SuppliedName: 'Eli Customer',
      SuppliedEmail: 'eli@example.com',
      Sendbird_Ticket_Id__c: 'seed-ticket-0002',
      Sendbird_User_Id__c: 'customer-eli',
    },
    {
      Subject: 'How do I export my data?',
      Status: 'Closed',
      Origin: 'Email',
      OwnerId: info.agents.ben,
      SuppliedName: 'Fay Customer',
      SuppliedEmail: 'fay@example.com',
    },
  ];
  for (const c of cases) info.caseIds.push(insertRecord(state, def('Case'), c, ctx).Id);
  return info;
}
