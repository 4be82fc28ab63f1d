/** `/v3/users` routes. */
import type { FastifyInstance } from 'fastify';
import { createUser, deleteUser, getUser, issueSessionToken, updateUser } from './ops-users.js';
import { userJson } from './shapes.js';
import type { Store } from './store.js';
import { asBody } from './validate.js';

type UserParams = { user_id: string };

export function registerUserRoutes(app: FastifyInstance, store: Store): void {
  app.post('/v3/users', async (req) => ({ ...userJson(createUser(store, asBody(req.body))), is_created: true }));
  app.get<{ Params: UserParams }>('/v3/users/:user_id', async (req) => userJson(getUser(store, req.params.user_id)));
  app.put<{ Params: UserParams }>('/v3/users/:user_id', async (req) => userJson(updateUser(store, req.params.user_id, asBody(req.body))));
  app.delete<{ Params: UserParams }>('/v3/users/:user_id', async (req) => {
    deleteUser(store, req.params.user_id);
    return {};
  });
  app.post<{ Params: UserParams }>('/v3/users/:user_id/token', async (req) =>
    issueSessionToken(store, req.params.user_id, asBody(req.body)),
  );
}
