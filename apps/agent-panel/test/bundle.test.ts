/**
 * The built panel ships only what it uses. Built here (Vite, as `npm run build:panel` does) into a
 * temporary directory:
 * - no chunk carries UIKit's MP3 encoder (lamejs, for voice messages, which are off), identified
 *   by strings of its own that minification keeps;
 * - no chunk is empty (the chat SDK's polyfills, tree-shaken away, used to leave two);
 * - in Chromium, the panel's UIKit renderer mounts (SendbirdProvider mounts the voice recorder,
 *   which imports the encoder on its first render) and never calls the stand-in the build puts in
 *   the encoder's place, whose functions throw an error naming the plugin. The Sendbird servers
 *   are unreachable here; the renderer still mounts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { build } from 'vite';

const APP = resolve(import.meta.dirname, '..');
/** Strings of lamejs that survive minification: a warning it prints and one of its function names. */
const MP3_ENCODER_MARKERS = ['Mp3Encoder(channels, samplerate, kbps)', 'lame_encode_mp3_frame'];
const DROPPED_ENCODER_ERROR = 'sbsf-drop-voice-encoder';
const ORIGIN = 'https://panel.test';

/**
 * The container's `LCC.onlineSupport`, answering READY with a session that has no `apiHost`, so
 * the panel renders UIKit. Plain JavaScript in a string: the browser runs it as written.
 */
const LCC_HOST = `
  const handlers = [];
  const session = { userId: 'agent-1', nickname: 'Agent', accessToken: 'token', appId: 'A1B2C3D4-0000-0000-0000-000000000000' };
  window.LCC = {
    onlineSupport: {
      sendMessage(type, message) {
        if (message && message.payload === 'READY') {
          setTimeout(() => handlers.slice().forEach((h) => h({ ...session, expiresAt: Date.now() + 3600000 })));
        }
      },
      addMessageHandler(h) { handlers.push(h); },
      removeMessageHandler(h) { if (handlers.includes(h)) handlers.splice(handlers.indexOf(h), 1); },
      addErrorHandler() {},
      removeErrorHandler() {},
    },
  };
`;

let dist = '';

before(async () => {
  dist = mkdtempSync(join(tmpdir(), 'sbsf-panel-bundle-'));
  await build({ root: APP, configFile: join(APP, 'vite.config.ts'), logLevel: 'error', build: { outDir: dist, emptyOutDir: true } });
});
after(() => rmSync(dist, { recursive: true, force: true }));

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files(path, out);
    else out.push(path);
  }
  return out;
}

const chunks = (): string[] => files(dist).filter((f) => f.endsWith('.js'));

test('the markers identify the MP3 encoder UIKit ships', () => {
  const uikit = fileURLToPath(new URL('.', import.meta.resolve('@sendbird/uikit-react/package.json')));
  const lame = readFileSync(join(uikit, 'lame.all.js'), 'utf8');
  for (const marker of MP3_ENCODER_MARKERS) assert.ok(lame.includes(marker), `UIKit's lame.all.js has ${marker}`);
});

test('no chunk carries the MP3 encoder', () => {
  assert.ok(chunks().length > 0);
  for (const chunk of chunks()) {
    const code = readFileSync(chunk, 'utf8');
    for (const marker of MP3_ENCODER_MARKERS) assert.ok(!code.includes(marker), `${chunk} has the MP3 encoder (${marker})`);
  }
});

test('no chunk is empty, and every chunk a chunk imports is there', () => {
  for (const file of files(dist)) {
    if (!['.js', '.css'].includes(extname(file))) continue;
    const code = readFileSync(file, 'utf8');
    assert.notEqual(code.trim(), '', `${file} is empty`);
    for (const [, spec] of code.matchAll(/\bimport\(\s*[`'"](\.{1,2}\/[^`'"]+)[`'"]\s*\)/g)) {
      assert.ok(statSync(resolve(file, '..', spec!), { throwIfNoEntry: false })?.isFile(), `${file} imports ${spec}, which is missing`);
    }
  }
});

test('the stand-in takes the MP3 encoder import in the UIKit chunk', () => {
  const withStandIn = chunks().filter((chunk) => readFileSync(chunk, 'utf8').includes(DROPPED_ENCODER_ERROR));
  assert.deepEqual(
    withStandIn.map((chunk) => /UIKitPanel-[\w-]+\.js$/.test(chunk)),
    [true],
  );
});

test('the UIKit renderer, with the panel options, never calls the MP3 encoder', async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const context = await browser.newContext();
    const root = normalize(dist + sep);
    const requested: string[] = [];
    // The panel from the build; everything else (the Sendbird servers) unreachable.
    await context.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      if (url.origin !== ORIGIN) return route.abort();
      requested.push(url.pathname);
      const file = normalize(join(root, url.pathname === '/' ? 'index.html' : url.pathname));
      if (!file.startsWith(root) || !statSync(file, { throwIfNoEntry: false })?.isFile()) return route.fulfill({ status: 404 });
      const type = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' }[extname(file)] ?? 'application/octet-stream';
      return route.fulfill({ status: 200, contentType: type, body: readFileSync(file) });
    });
    // The container's LCC global, answering READY with a real (not sandbox) session: UIKit renders.
    await context.addInitScript({ content: LCC_HOST });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    await page.goto(`${ORIGIN}/`);
    await page.locator('[data-testid="panel-chat"][data-mode="uikit"] .sendbird-channel-list').waitFor();
    // Let mounted effects run and any error be reported: a frame, then a task.
    await page.evaluate('new Promise((done) => requestAnimationFrame(() => setTimeout(done)))');
    assert.ok(
      requested.some((path) => /\/assets\/UIKitPanel-[\w-]+\.js$/.test(path)),
      `UIKit was loaded: ${requested.join(', ')}`,
    );
    assert.deepEqual(
      errors.filter((e) => e.includes(DROPPED_ENCODER_ERROR)),
      [],
    );
  } finally {
    await browser.close();
  }
});
