/**
 * Change Data Capture and the Pub/Sub API, put together for the emulator: the org's committed
 * transactions become change events (cdc.ts) on the event bus (event-log.ts), which the gRPC
 * server (server.ts) serves. Built when the emulator's `pubsub` option is set.
 */
import type { ChangeEventSchema } from './cdc.js';
import { changeEvents, gapEvent, selectedSchemas, CDC_OVERFLOW_THRESHOLD, type ChangeEventMessage } from './cdc.js';
import { CDC_RETENTION_MS, EventLog } from './event-log.js';
import { PubSubServer, type PubSubFaultSettings, type PubSubFaultState, type PubSubListenOptions, type PubSubStats } from './server.js';
import { CHANGE_TYPES, replayIdOf, type ChangeEventHeader, type ChangeType } from '@sbsf/salesforce/pubsub';
import { isSalesforceId, to18 } from '@sbsf/salesforce';
import type { RecordChange } from '../records.js';

export { CDC_OVERFLOW_THRESHOLD } from './cdc.js';
export { CDC_RETENTION_MS } from './event-log.js';
export { PUBSUB_KEEPALIVE_MS } from './server.js';
export type { PubSubFaultSettings, PubSubFaultState, PubSubListenOptions, PubSubStats } from './server.js';

/** One stored event as the admin API shows it: replay id (hex), topic, header and the record fields it carries. */
export interface PubSubEventView {
  replayId: string;
  id: string;
  topic: string;
  schemaId: string;
  publishedAt: number;
  header: ChangeEventHeader;
  /** The record fields with a value (others are null in the payload). */
  fields: Record<string, unknown>;
}

/** What `emulator.pubsub` offers (and the admin API under /__admin/pubsub). */
export interface PubSubHandle {
  /** `host:port` of the gRPC endpoint (TLS); empty until the emulator listens. */
  readonly endpoint: string;
  /** The endpoint's self-signed certificate (PEM), for a client to trust. */
  readonly caPem: string;
  stats(): PubSubStats;
  resetStats(): void;
  faults(): PubSubFaultState;
  setFaults(f: PubSubFaultSettings): PubSubFaultState;
  resetFaults(): PubSubFaultState;
  /** Ends every open Subscribe stream with UNAVAILABLE (RST_STREAM closed stream); returns how many. */
  resetStreams(): number;
  /** Publishes one gap event (GAP_CREATE, GAP_UPDATE, GAP_DELETE, GAP_UNDELETE) for records changed outside the app servers. */
  publishGapEvent(changeType: ChangeType, recordIds: string[], object?: string): PubSubEventView;
  /** Drops events published before `before` (ms, emulator clock), or all of them: their replay ids expire. */
  purge(before?: number): number;
  /** The events in the bus, oldest first, decoded. */
  events(): PubSubEventView[];
}

export interface CdcDeps {
  orgId: string;
  now: () => number;
  userOf: (token: string) => string | undefined;
  /** Who "commits" a gap event. */
  integrationUserId: () => string;
  objects: readonly string[];
  overflowThreshold?: number;
  retentionMs?: number;
  keepaliveMs?: number;
}

export class ChangeDataCapture implements PubSubHandle {
  private readonly log: EventLog;
  private readonly byObject: Map<string, ChangeEventSchema>;
  private readonly byTopic: Map<string, ChangeEventSchema>;
  private readonly server: PubSubServer;
  private commitNumber = 1_000_000_000_000;

  constructor(private readonly deps: CdcDeps) {
    this.log = new EventLog(deps.now, deps.retentionMs ?? CDC_RETENTION_MS);
    this.byObject = selectedSchemas(deps.objects);
    this.byTopic = new Map([...this.byObject.values()].map((s) => [s.topic, s]));
    this.server = new PubSubServer({
      log: this.log,
      schemas: () => this.byTopic,
      userOf: deps.userOf,
      orgId: deps.orgId,
      now: deps.now,
      ...(deps.keepaliveMs !== undefined ? { keepaliveMs: deps.keepaliveMs } : {}),
    });
  }

  get endpoint(): string {
    return this.server.endpoint;
  }

  get caPem(): string {
    return this.server.caPem;
  }

  listen(opts: PubSubListenOptions): Promise<{ endpoint: string; caPem: string }> {
    return this.server.listen(opts);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  /** A committed transaction's record changes become its change events. */
  commit(changes: readonly RecordChange[], info: { userId: string; changeOrigin: string }): void {
    if (changes.length === 0) return;
    const messages = changeEvents(
      changes,
      (name) => this.byObject.get(name),
      { userId: info.userId, changeOrigin: info.changeOrigin, timestamp: this.deps.now(), commitNumber: this.commitNumber + 1 },
      this.deps.overflowThreshold ?? CDC_OVERFLOW_THRESHOLD,
    );
    if (messages.length === 0) return;
    this.commitNumber++;
    this.log.append(messages);
  }

  /** Ends the streams whose session is no longer valid. */
  checkSessions(): number {
    return this.server.checkSessions();
  }

  stats(): PubSubStats {
    return this.server.stats();
  }

  resetStats(): void {
    this.server.resetStats();
  }

  faults(): PubSubFaultState {
    return this.server.getFaults();
  }

  setFaults(f: PubSubFaultSettings): PubSubFaultState {
    return this.server.setFaults(f);
  }

  resetFaults(): PubSubFaultState {
    return this.server.resetFaults();
  }

  resetStreams(): number {
    return this.server.resetStreams();
  }

  publishGapEvent(changeType: ChangeType, recordIds: string[], object = 'Case'): PubSubEventView {
    const schema = [...this.byObject.values()].find((s) => s.def.name.toLowerCase() === object.toLowerCase());
    if (!schema) throw new Error(`${object} is not selected for Change Data Capture (option changeDataCapture)`);
    if (!CHANGE_TYPES.includes(changeType) || !changeType.startsWith('GAP_') || changeType === 'GAP_OVERFLOW')
      throw new Error('changeType must be GAP_CREATE, GAP_UPDATE, GAP_DELETE or GAP_UNDELETE');
    if (!Array.isArray(recordIds) || recordIds.length === 0) throw new Error('recordIds must list at least one record Id');
    const ids = recordIds.map((id) => {
      if (typeof id !== 'string' || !isSalesforceId(id) || !id.startsWith(schema.def.keyPrefix))
        throw new Error(`${JSON.stringify(id)} is not a ${schema.def.name} Id`);
      return to18(id);
    });
    const message = gapEvent(schema, changeType, ids, {
      userId: this.deps.integrationUserId(),
      changeOrigin: '',
      timestamp: this.deps.now(),
      commitNumber: ++this.commitNumber,
    });
    const [stored] = this.log.append([message]);
    return this.view(stored!.position, message, stored!.id, stored!.publishedAt);
  }

  purge(before?: number): number {
    return this.log.purge(before);
  }

  events(): PubSubEventView[] {
    return this.log.all().map((e) => {
      const schema = this.byTopic.get(e.topic)!;
      const decoded = schema.decode(e.payload);
      const { ChangeEventHeader: header, ...rest } = decoded;
      return this.view(
        e.position,
        { topic: e.topic, schemaId: e.schemaId, header: header as ChangeEventHeader, payload: e.payload },
        e.id,
        e.publishedAt,
        rest,
      );
    });
  }

  private view(
    position: bigint,
    m: ChangeEventMessage,
    id: string,
    publishedAt: number,
    values?: Record<string, unknown>,
  ): PubSubEventView {
    const fields = Object.fromEntries(
      Object.entries(values ?? this.byTopic.get(m.topic)!.decode(m.payload)).filter(([k, v]) => k !== 'ChangeEventHeader' && v !== null),
    );
    return {
      replayId: replayIdOf(position).toString('hex'),
      id,
      topic: m.topic,
      schemaId: m.schemaId,
      publishedAt,
      header: { ...m.header, commitTimestamp: Number(m.header.commitTimestamp), commitNumber: Number(m.header.commitNumber) },
      fields,
    };
  }
}
