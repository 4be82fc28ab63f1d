/**
 * The admin endpoints of privacy erasure, behind `ADMIN_TOKEN` (a bearer token compared in
 * constant time; without the setting the routes do not exist and answer 404):
 *
 * - `POST /admin/erasures` `{customer: {sendbirdUserId} | {email}, dryRun?, caseAction?}`: with
 *   `dryRun`, 200 and what would be erased (nothing changes); otherwise 202 and the erasure, which
 *   a job runs (so it resumes after a crash). The same customer again: 200 and the erasure
 *   recorded first (done: its receipt; still running: its progress).
 * - `GET /admin/erasures/{id}`: the erasure's state, journal and receipt.
 *
 * Answers never hold the customer's identifier: only ids of records, counts and times.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../errors.js';
import { bearerMatches } from '../http/shared-secret.js';
import { typed } from '../http/typed.js';
import type { Erasure, LedgerEntry, Store } from '../store/types.js';
import { parseCaseAction, parseSubject, type ErasureService } from './service.js';

const errors = { '4xx': { $ref: 'ErrorResponse#' }, '5xx': { $ref: 'ErrorResponse#' } } as const;

/** The erasure as the API shows it: no identifier of the customer. */
export function erasureView(e: Erasure, receipt: readonly LedgerEntry[]) {
  return {
    id: e.id,
    state: e.state,
    caseAction: e.caseAction,
    requestedBy: e.requestedBy,
    createdAt: new Date(e.createdAt).toISOString(),
    finishedAt: e.finishedAt === null ? null : new Date(e.finishedAt).toISOString(),
    plan: e.plan,
    steps: e.steps,
    lastError: e.lastError,
    receipt: receipt.map((r) => ({ at: new Date(r.at).toISOString(), system: r.system, action: r.action, detail: r.detail })),
  };
}

export function erasureRoutes(deps: { service: ErasureService; store: Store; adminToken: string }) {
  const checkToken = async (req: { headers: { authorization?: string } }, reply: { header(k: string, v: string): unknown }) => {
    if (bearerMatches(req.headers.authorization, deps.adminToken)) return;
    void reply.header('www-authenticate', 'Bearer realm="sendbird-salesforce-bridge-admin"');
    throw new AppError(401, 'unauthorized', 'a valid bearer token is required (the ADMIN_TOKEN the bridge was started with)');
  };
  const view = async (e: Erasure) => erasureView(e, await deps.store.erasureReceipt(e.id));

  return async (app: FastifyInstance) => {
    typed(app).post(
      '/admin/erasures',
      {
        onRequest: checkToken,
        schema: {
          summary: 'Erases a customer in Sendbird, Salesforce and the bridge (or, with dryRun, lists what would go)',
          tags: ['admin'],
          security: [{ adminToken: [] }],
          body: Type.Object(
            {
              customer: Type.Object(
                {
                  sendbirdUserId: Type.Optional(Type.String({ description: "the customer's Sendbird user id" })),
                  email: Type.Optional(Type.String({ description: 'every customer whose tickets gave this email' })),
                },
                { additionalProperties: false },
              ),
              dryRun: Type.Optional(Type.Boolean({ description: 'list what would be erased; change nothing' })),
              caseAction: Type.Optional(
                Type.String({
                  enum: ['redact', 'delete'],
                  description: "redact (default): clear the Cases' personal fields; delete: delete them",
                }),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 200: { type: 'object', additionalProperties: true }, 202: { type: 'object', additionalProperties: true }, ...errors },
        },
      },
      async (req, reply) => {
        const subject = parseSubject(req.body.customer);
        const caseAction = parseCaseAction(req.body.caseAction);
        if (req.body.dryRun) return { dryRun: true, wouldErase: await deps.service.preview(subject, caseAction) };
        const { erasure, created } = await deps.service.start(subject, caseAction, 'admin', { job: true });
        void reply.header('location', `/admin/erasures/${erasure.id}`);
        return reply.code(created ? 202 : 200).send({ erasure: await view(erasure) });
      },
    );

    typed(app).get(
      '/admin/erasures/:id',
      {
        onRequest: checkToken,
        schema: {
          summary: "An erasure's state, the steps done and its receipt",
          tags: ['admin'],
          security: [{ adminToken: [] }],
          params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
          response: { 200: { type: 'object', additionalProperties: true }, ...errors },
        },
      },
      async (req) => {
        const e = await deps.store.getErasure(req.params.id);
        if (!e) throw new AppError(404, 'erasure_not_found', `no erasure ${req.params.id}`);
        return { erasure: await view(e) };
      },
    );
  };
}
