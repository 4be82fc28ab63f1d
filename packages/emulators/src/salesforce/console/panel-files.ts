/**
 * Serves the built agent panel as Salesforce serves the `sendbird_bar` static resource to the
 * container iframe, with one difference that only the simulator makes: its index.html gets the
 * LCC host script first in <head>. On Salesforce the container page provides the global
 * `LCC.onlineSupport` that the `lightning-container` package forwards to; here that script does.
 * The zip built for Salesforce never contains it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';

export const LCC_HOST_PATH = '/console/lcc-host.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.pdf': 'application/pdf',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

export function contentType(file: string): string {
  return TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Adds the LCC host script as the first element of <head>, before the app's module scripts. */
export function injectLccHost(html: string): string {
  const tag = `<script src="${LCC_HOST_PATH}"></script>`;
  const head = /<head[^>]*>/i.exec(html);
  if (head) return `${html.slice(0, head.index + head[0].length)}\n    ${tag}${html.slice(head.index + head[0].length)}`;
  return `${tag}\n${html}`;
}

export type PanelFile = { status: 200; type: string; body: Buffer | string } | { status: 404 | 503; type: string; body: string };

/** The file at `path` (relative to the panel's root), or why not. */
export function readPanelFile(panelDir: string, path: string): PanelFile {
  const root = normalize(panelDir);
  const index = join(root, 'index.html');
  if (!existsSync(index)) {
    return {
      status: 503,
      type: TYPES['.html']!,
      body: '<!doctype html><p>The agent panel is not built. Run <code>npm run build:panel</code> (or restart the sandbox).</p>',
    };
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return { status: 404, type: 'text/plain; charset=utf-8', body: 'not found' };
  }
  const file = normalize(join(root, decoded || 'index.html'));
  if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile())
    return { status: 404, type: 'text/plain; charset=utf-8', body: 'not found' };
  if (file === index) return { status: 200, type: TYPES['.html']!, body: injectLccHost(readFileSync(file, 'utf8')) };
  return { status: 200, type: contentType(file), body: readFileSync(file) };
}
