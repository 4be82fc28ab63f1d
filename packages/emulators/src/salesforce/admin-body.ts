/** The admin API's body handling, shared by admin.ts and admin-org.ts: a JSON object in, a 400 naming the problem out. */
import type { FastifyReply } from 'fastify';

export function parse(body: unknown): Record<string, unknown> {
  if (typeof body !== 'string' || body.trim() === '') return {};
  const v: unknown = JSON.parse(body);
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('body must be a JSON object');
  return v as Record<string, unknown>;
}

export function bad(reply: FastifyReply, err: unknown): FastifyReply {
  return reply.code(400).send({ error: err instanceof Error ? err.message : String(err) });
}
