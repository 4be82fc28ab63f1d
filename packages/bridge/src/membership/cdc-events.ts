/**
 * Case change events (Change Data Capture, read over Pub/Sub API) -> what the bridge must do.
 * Events are hints, as the Apex path's are: a Case named here is reconciled by reading Salesforce,
 * so order, duplicates and loss do not matter (the sweep covers loss). Per event:
 *
 * - UPDATE naming OwnerId among its changed fields: a membership reconcile of its records;
 *   naming Status: a Case-status job (frozen/unfrozen, told). Any other UPDATE: nothing.
 * - UNDELETE and the gap events GAP_CREATE / GAP_UPDATE / GAP_UNDELETE (a change Salesforce
 *   could not describe; the header still names the records): both, since anything may have changed.
 * - CREATE: nothing (the bridge made the chat Case itself and set up its channel); DELETE and
 *   GAP_DELETE: nothing (a deleted Case's channel is left as it is, as on the Apex path).
 * - GAP_OVERFLOW (one transaction changed more records than Salesforce describes one by one; no
 *   record ids): a sweep of every open chat Case, now.
 * - Events of another entity (a custom channel may carry several): nothing.
 *
 * Which Cases are chat Cases is decided without calling Salesforce: those the bridge opened a
 * ticket for (its store), or an event carrying Sendbird_Ticket_Id__c (a CREATE, or a custom channel
 * that enriches its events with that field). Others cost only the reading of their event.
 */
import { to18 } from '@sbsf/salesforce';
import { fieldNamesOf, type ChangeEventHeader, type ConsumerEvent } from '@sbsf/salesforce/pubsub';
import avro from 'avsc';

/** The field whose value makes a Case a chat Case. */
export const CHAT_CASE_FIELD = 'Sendbird_Ticket_Id__c';

export interface CaseChange {
  header: ChangeEventHeader;
  /** Field names the changedFields bitmap lists (empty for gap events). */
  changed: string[];
  /** The chat-Case field's value when the event carries it. */
  ticketId: string | null;
}

interface ParsedSchema {
  type: avro.Type;
  fields: { name: string; type: unknown }[];
}

/** Decodes events with their schema, fetched once per schema id (a new field makes a new schema). */
export class ChangeEventDecoder {
  private readonly schemas = new Map<string, Promise<ParsedSchema>>();

  constructor(private readonly fetchSchema: (schemaId: string) => Promise<string>) {}

  async decode(e: ConsumerEvent): Promise<CaseChange> {
    const schema = await this.schema(e.event.schemaId);
    const record = schema.type.fromBuffer(Buffer.from(e.event.payload)) as Record<string, unknown>;
    const header = record.ChangeEventHeader as ChangeEventHeader;
    const ticket = record[CHAT_CASE_FIELD];
    return {
      header: { ...header, recordIds: header.recordIds.map((id) => to18(id)) },
      changed: fieldNamesOf(schema.fields, header.changedFields ?? []),
      ticketId: typeof ticket === 'string' && ticket !== '' ? ticket : null,
    };
  }

  private schema(id: string): Promise<ParsedSchema> {
    let p = this.schemas.get(id);
    if (!p) {
      p = this.fetchSchema(id).then((json) => {
        const parsed = JSON.parse(json) as { fields: { name: string; type: unknown }[] };
        return { type: avro.Type.forSchema(parsed as avro.Schema), fields: parsed.fields };
      });
      // A failed fetch is not remembered: the next event asks again.
      p.catch(() => this.schemas.delete(id));
      this.schemas.set(id, p);
    }
    return p;
  }
}

export interface ChangePlan {
  /** Cases whose owner may have changed (candidates: not yet filtered to chat Cases). */
  membership: string[];
  /** Cases whose status may have changed. */
  status: string[];
  /** Cases whose events carried the chat-Case field. */
  chat: string[];
  /** A GAP_OVERFLOW event for Case: sweep. */
  overflow: boolean;
  /** Events of this batch by change type (for metrics). */
  byType: Record<string, number>;
}

const EVERYTHING = new Set(['UNDELETE', 'GAP_CREATE', 'GAP_UPDATE', 'GAP_UNDELETE']);

export function planChanges(changes: readonly CaseChange[], entity = 'Case'): ChangePlan {
  const plan: ChangePlan = { membership: [], status: [], chat: [], overflow: false, byType: {} };
  for (const { header, changed, ticketId } of changes) {
    plan.byType[header.changeType] = (plan.byType[header.changeType] ?? 0) + 1;
    if (header.entityName !== entity) continue;
    if (ticketId !== null) plan.chat.push(...header.recordIds);
    if (header.changeType === 'GAP_OVERFLOW') plan.overflow = true;
    else if (EVERYTHING.has(header.changeType)) {
      plan.membership.push(...header.recordIds);
      plan.status.push(...header.recordIds);
    } else if (header.changeType === 'UPDATE') {
      if (changed.includes('OwnerId')) plan.membership.push(...header.recordIds);
      if (changed.includes('Status')) plan.status.push(...header.recordIds);
    }
  }
  plan.membership = [...new Set(plan.membership)];
  plan.status = [...new Set(plan.status)];
  plan.chat = [...new Set(plan.chat)];
  return plan;
}
