/**
 * The transcript's Prometheus metrics, on the bridge's registry (one set per registry: routes and
 * jobs get different contexts around the same metrics object).
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Metrics } from '../metrics.js';
import type { Store, TranscriptState } from '../store/types.js';

export interface TranscriptMetrics {
  webhooks: Counter<'outcome' | 'detail'>;
  salesforceCalls: Counter<'operation' | 'outcome'>;
  written: Counter<'outcome'>;
  delay: Histogram;
  budgetLow: Gauge;
  catchup: CatchupMetrics;
}

export interface CatchupMetrics {
  runs: Counter<'reason' | 'outcome'>;
  calls: Counter;
  messages: Counter<'kind'>;
}

const STATES: readonly TranscriptState[] = ['pending', 'synced', 'dead'];

/** Registers the transcript's metrics on the registry: once per registry (the transcript feature does it when it is built). */
export function createTranscriptMetrics(metrics: Metrics, store: Pick<Store, 'countTranscriptMessages'>): TranscriptMetrics {
  const registry = metrics.registry;
  new Gauge({
    name: 'bridge_transcript_messages',
    help: 'Chat messages the bridge remembers, by state: pending (to be written), synced (written), dead (refused by Salesforce)',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      try {
        const counts = await store.countTranscriptMessages();
        for (const s of STATES) this.set({ state: s }, counts[s]);
      } catch {
        this.reset();
      }
    },
  });
  return {
    webhooks: new Counter({
      name: 'bridge_sendbird_webhooks_total',
      help:
        'Sendbird webhooks received, by outcome (stored, duplicate, ignored, unauthorized, invalid) ' +
        'and detail (why ignored or refused)',
      labelNames: ['outcome', 'detail'] as const,
      registers: [registry],
    }),
    salesforceCalls: new Counter({
      name: 'bridge_transcript_salesforce_calls_total',
      help: 'Salesforce API calls made to write the transcript, by operation (upsert, create, update) and outcome (ok, error)',
      labelNames: ['operation', 'outcome'] as const,
      registers: [registry],
    }),
    written: new Counter({
      name: 'bridge_transcript_writes_total',
      help: 'Messages written to Salesforce, by outcome (synced, retry, dead)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    delay: new Histogram({
      name: 'bridge_transcript_delay_seconds',
      help: 'Time from a message becoming pending (its webhook) to its record being written',
      buckets: [0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 300, 3600],
      registers: [registry],
    }),
    budgetLow: new Gauge({
      name: 'bridge_transcript_budget_low',
      help: '1 while mirroring is slowed down because the Salesforce API budget left is under SALESFORCE_BUDGET_RESERVE',
      registers: [registry],
    }),
    catchup: {
      runs: new Counter({
        name: 'bridge_transcript_catchup_runs_total',
        help:
          'Channel catch-ups (history reads), by reason (start, schedule, late_webhook, new, closing, reopened) ' +
          'and outcome (found, nothing, error)',
        labelNames: ['reason', 'outcome'] as const,
        registers: [registry],
      }),
      calls: new Counter({
        name: 'bridge_transcript_catchup_sendbird_calls_total',
        help: 'Sendbird list-messages calls made by transcript catch-up',
        registers: [registry],
      }),
      messages: new Counter({
        name: 'bridge_transcript_catchup_messages_total',
        help: 'What catch-up mirrored that webhooks had not brought, by kind (added, edited, deleted)',
        labelNames: ['kind'] as const,
        registers: [registry],
      }),
    },
  };
}
