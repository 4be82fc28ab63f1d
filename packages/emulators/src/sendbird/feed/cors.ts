/**
 * CORS for the sandbox API only (the Platform API is server-to-server and gets none). Any page
 * served from localhost / 127.0.0.1 / [::1] on any port may call it; other origins get no CORS
 * headers, so browsers block them. Credentials travel in `Authorization`, never in cookies.
 */
import type { FastifyInstance } from 'fastify';

const LOCAL_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

export function isLocalOrigin(origin: string | undefined): boolean {
  return origin === undefined || LOCAL_ORIGIN.test(origin);
}

export function installSandboxCors(app: FastifyInstance, prefix: string): void {
  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith(prefix)) return;
    const origin = req.headers.origin;
    if (!origin || !LOCAL_ORIGIN.test(origin)) return;
    reply.header('Access-Control-Allow-Origin', origin);
    reply.header('Vary', 'Origin');
    if (req.method === 'OPTIONS') {
      return reply
        .code(204)
        .header('Access-Control-Allow-Methods', 'GET, POST, PUT, OPTIONS')
        .header('Access-Control-Allow-Headers', 'Authorization, Content-Type')
        .header('Access-Control-Max-Age', '600')
        .send();
    }
  });
}
