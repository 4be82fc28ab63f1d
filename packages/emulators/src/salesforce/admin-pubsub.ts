/**
 * Admin routes of the Pub/Sub API and Change Data Capture (`emulator.pubsub`), under
 * /__admin/pubsub: where the endpoint is (and its certificate), counters, the faults (reset every
 * open stream, refuse new subscriptions, slow delivery), gap events, and purging the event bus so
 * a stored replay id expires. 404 when the emulator was started without the `pubsub` option.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ChangeType } from '@sbsf/salesforce/pubsub';
import { bad, parse } from './admin-body.js';
import type { SalesforceEmulator } from './emulator.js';
import type { PubSubFaultSettings, PubSubHandle } from './pubsub/index.js';
import { parseDateTime } from './util.js';

function time(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  const ms = typeof v === 'string' ? parseDateTime(v) : Number.NaN;
  if (Number.isNaN(ms)) throw new Error('before must be epoch milliseconds or an ISO 8601 date-time');
  return ms;
}

export function registerPubSubAdmin(app: FastifyInstance, emu: () => SalesforceEmulator): void {
  const withPubSub = async (reply: FastifyReply, fn: (p: PubSubHandle) => unknown) => {
    const p = emu().pubsub;
    if (!p) return reply.code(404).send({ error: 'the Pub/Sub API is not served: start the emulator with the pubsub option' });
    try {
      return await fn(p);
    } catch (err) {
      return bad(reply, err);
    }
  };

  app.get('/__admin/pubsub', (_req, reply) => withPubSub(reply, (p) => ({ endpoint: p.endpoint, caPem: p.caPem })));
  app.get('/__admin/pubsub/stats', (_req, reply) => withPubSub(reply, (p) => p.stats()));
  app.delete('/__admin/pubsub/stats', (_req, reply) =>
    withPubSub(reply, (p) => {
      p.resetStats();
      return p.stats();
    }),
  );
  app.get('/__admin/pubsub/faults', (_req, reply) => withPubSub(reply, (p) => p.faults()));
  app.put('/__admin/pubsub/faults', (req, reply) => withPubSub(reply, (p) => p.setFaults(parse(req.body) as PubSubFaultSettings)));
  app.delete('/__admin/pubsub/faults', (_req, reply) => withPubSub(reply, (p) => p.resetFaults()));
  app.post('/__admin/pubsub/streams/reset', (_req, reply) => withPubSub(reply, (p) => ({ reset: p.resetStreams() })));
  app.get('/__admin/pubsub/events', (_req, reply) => withPubSub(reply, (p) => ({ events: p.events() })));
  app.post('/__admin/pubsub/gap-events', (req, reply) =>
    withPubSub(reply, (p) => {
      const b = parse(req.body);
      return reply
        .code(201)
        .send(p.publishGapEvent(b.changeType as ChangeType, b.recordIds as string[], typeof b.object === 'string' ? b.object : undefined));
    }),
  );
  app.post('/__admin/pubsub/purge', (req, reply) => withPubSub(reply, (p) => ({ purged: p.purge(time(parse(req.body).before)) })));
}
