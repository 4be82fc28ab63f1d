/** Serves a built web app (a Vite `dist/`) plus a generated `config.json`. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

export function createStaticServer(dir: string, config: unknown): FastifyInstance {
  const root = resolve(dir);
  const app = Fastify({ logger: false });
  app.get('/config.json', async (_req, reply) => reply.header('cache-control', 'no-store').send(config));
  app.get('/*', async (req, reply) => {
    const path = decodeURIComponent((req.url.split('?')[0] ?? '/').replace(/^\/+/, '')) || 'index.html';
    const file = normalize(join(root, path));
    // Never outside the app's folder; unknown paths get the app (a single-page app).
    const target = file.startsWith(root) && existsSync(file) && statSync(file).isFile() ? file : join(root, 'index.html');
    return reply
      .header('content-type', TYPES[extname(target)] ?? 'application/octet-stream')
      .header('cache-control', target.endsWith('index.html') ? 'no-store' : 'public, max-age=3600')
      .send(readFileSync(target));
  });
  return app;
}
