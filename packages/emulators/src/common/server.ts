/** Small helpers both emulators use to listen and report where they are. */
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';

export interface ListenOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to bind; loopback by default. */
  host?: string;
}

/** Listens and returns the base URL (`http://127.0.0.1:PORT`) without a trailing slash. */
export async function listen(app: FastifyInstance, opts: ListenOptions = {}): Promise<string> {
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ port: opts.port ?? 0, host });
  const addr = app.server.address() as AddressInfo;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${shown}:${addr.port}`;
}
