/**
 * Routes declare their input schemas (body, params, headers, querystring) with TypeBox; through
 * `typed(app)` Fastify infers the handler's `request.body`, `request.params`... from them. Ajv
 * still validates every request against the same JSON Schema (server.ts sets its options), so
 * the answers to invalid input are the error handler's (http/error-handler.ts).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';

export type TypedApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** The same instance, its routes typed from their TypeBox schemas. */
export function typed(app: FastifyInstance): TypedApp {
  return app.withTypeProvider<TypeBoxTypeProvider>();
}
