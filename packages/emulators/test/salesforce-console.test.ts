/**
 * The console simulator's server side (packages/emulators/src/salesforce/console): the Aura
 * bundle read from disk at every request, the agent panel served as the static resource with
 * the LCC host injected, the page's JSON API over the org (owners, Omni-Channel, login, a Case
 * with its transcript) and the emulated getAgentSession Aura action. The page itself runs in
 * Chromium in e2e/agent-panel.test.ts.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test, type TestContext } from 'node:test';
import Fastify from 'fastify';
import { tempDir } from '@sbsf/testkit';
import { AGENT_SESSION_UNAVAILABLE } from '../src/salesforce/index.js';
import { containerResource, parseAuraComponent } from '../src/salesforce/console/aura-markup.js';
import { injectLccHost, LCC_HOST_PATH } from '../src/salesforce/console/panel-files.js';
import { SESSION_COOKIE } from '../src/salesforce/console/routes.js';
import { api, raw, startSf, tokenFor } from './salesforce-helpers.js';

const AURA_DIR = resolve(import.meta.dirname, '../../../salesforce/force-app/main/default/aura/sendbird_utilities_bar');
const SECRET = 'console-test-bridge-secret-0123456789abcdef';

/** A temp copy of the real bundle (so a test can edit it) and a fake built panel. */
function fixtures(t: TestContext): { auraBundleDir: string; agentPanelDir: string } {
  const dir = tempDir(t, 'sbsf-console-');
  const auraBundleDir = join(dir, 'sendbird_utilities_bar');
  cpSync(AURA_DIR, auraBundleDir, { recursive: true });
  const agentPanelDir = join(dir, 'panel');
  mkdirSync(join(agentPanelDir, 'assets'), { recursive: true });
  writeFileSync(
    join(agentPanelDir, 'index.html'),
    '<!doctype html><html><head><meta charset="utf-8"><script type="module" src="./assets/app.js"></script></head><body></body></html>',
  );
  writeFileSync(join(agentPanelDir, 'assets/app.js'), 'console.log("panel")');
  return { auraBundleDir, agentPanelDir };
}

const post = (url: string, body?: unknown) =>
  raw(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

test('the real .cmp: utility item, Apex controller, container with its actions, console APIs', () => {
  const d = parseAuraComponent('sendbird_utilities_bar', readFileSync(join(AURA_DIR, 'sendbird_utilities_bar.cmp'), 'utf8'));
  assert.deepEqual(d.implements, ['lightning:utilityItem']);
  assert.equal(d.controller, 'SendbirdAgentSession');
  assert.deepEqual(d.container, {
    auraId: 'SendBird_Bar',
    src: "{!$Resource.sendbird_bar + '/index.html'}",
    onmessage: 'handleMessage',
    onerror: 'handleError',
  });
  assert.deepEqual(d.apis, { utilityBar: 'utilitybar', workspace: 'workspace', navigation: 'navService' });
  assert.deepEqual(
    d.attributes.find((a) => a.name === 'supportsPopOut'),
    { name: 'supportsPopOut', type: 'Boolean', default: 'false' },
  );
  assert.deepEqual(containerResource(d.container!.src), { resource: 'sendbird_bar', path: '/index.html' });
});

test('markup in comments is ignored, and a component without a root is refused', () => {
  const d = parseAuraComponent(
    'x',
    '<!-- <lightning:container aura:id="old" src="a"/> --><aura:component><aura:attribute name="n" type="Integer" default="3"/></aura:component>',
  );
  assert.equal(d.container, undefined);
  assert.deepEqual(d.attributes, [{ name: 'n', type: 'Integer', default: '3' }]);
  assert.throws(() => parseAuraComponent('x', '<div/>'), /no <aura:component> root/);
});

test('options are checked with actionable messages', async (t) => {
  await assert.rejects(
    startSf(t, { console: { auraBundleDir: '', agentPanelDir: 'x' } }),
    /\[console-simulator\] auraBundleDir is required/,
  );
  await assert.rejects(startSf(t, { console: { auraBundleDir: join(tempDir(t), 'missing'), agentPanelDir: 'x' } }), /does not exist/);
});

test('the page and its bundle: controller and helper read from disk at every request', async (t) => {
  const fx = fixtures(t);
  const sf = await startSf(t, { console: fx });
  const page = await raw(`${sf.url}/console`);
  assert.equal(page.status, 200);
  assert.match(String(page.body), /<script src="\/console\/assets\/aura-shim.js"><\/script>/);
  for (const file of ['aura-shim.js', 'console-page.js', 'console.css']) {
    assert.equal((await raw(`${sf.url}/console/assets/${file}`)).status, 200, file);
  }
  assert.equal((await raw(`${sf.url}/console/assets/..%2Fpage.ts`)).status, 404);

  const first = (await raw(`${sf.url}/__console/aura/bundle`)).body as any;
  assert.equal(first.controller, readFileSync(join(AURA_DIR, 'sendbird_utilities_barController.js'), 'utf8'));
  assert.equal(first.descriptor.container.auraId, 'SendBird_Bar');
  assert.deepEqual(first.resources, { sendbird_bar: '/console/panel' });
  assert.equal(first.currentUserId, sf.seed.agents.ava, 'the first agent is logged in');
  writeFileSync(join(fx.auraBundleDir, 'sendbird_utilities_barHelper.js'), '({ edited: true })');
  const second = (await raw(`${sf.url}/__console/aura/bundle`)).body as any;
  assert.equal(second.helper, '({ edited: true })');
});

test('the panel is served as the static resource, with the LCC host injected into index.html only', async (t) => {
  const fx = fixtures(t);
  const sf = await startSf(t, { console: fx });
  const index = await raw(`${sf.url}/console/panel/index.html`);
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type') ?? '', /text\/html/);
  const html = String(index.body);
  assert.ok(html.indexOf(LCC_HOST_PATH) < html.indexOf('./assets/app.js'), 'the host script comes before the app');
  const asset = await raw(`${sf.url}/console/panel/assets/app.js`);
  assert.equal(asset.body, 'console.log("panel")');
  assert.match(asset.headers.get('content-type') ?? '', /javascript/);
  assert.equal((await raw(`${sf.url}/console/panel/..%2F..%2Fpackage.json`)).status, 404);
  assert.equal((await raw(`${sf.url}/console/panel/nope.js`)).status, 404);
  const host = await raw(`${sf.url}${LCC_HOST_PATH}`);
  assert.equal(host.status, 200);
  assert.match(String(host.body), /LCC\.onlineSupport = \{/);
  assert.equal(readFileSync(join(fx.agentPanelDir, 'index.html'), 'utf8').includes(LCC_HOST_PATH), false, 'the build itself is untouched');
});

test('an unbuilt panel answers 503 with how to build it', async (t) => {
  const fx = fixtures(t);
  const sf = await startSf(t, { console: { ...fx, agentPanelDir: join(fx.agentPanelDir, 'not-built') } });
  const res = await raw(`${sf.url}/console/panel/index.html`);
  assert.equal(res.status, 503);
  assert.match(String(res.body), /npm run build:panel/);
});

test('injectLccHost puts the script first in <head>, or first in a document without one', () => {
  assert.equal(
    injectLccHost('<html><head lang="x"><title>t</title></head></html>'),
    `<html><head lang="x">\n    <script src="${LCC_HOST_PATH}"></script><title>t</title></head></html>`,
  );
  assert.equal(injectLccHost('<p>x</p>'), `<script src="${LCC_HOST_PATH}"></script>\n<p>x</p>`);
});

test('state, login, owner and status changes and Omni-Channel through the page API', async (t) => {
  const sf = await startSf(t, { console: fixtures(t) });
  const { ava, ben } = sf.seed.agents;
  const state = (await raw(`${sf.url}/__console/api/state`)).body as any;
  assert.equal(state.currentUser.Id, ava);
  assert.deepEqual(
    state.users.filter((u: any) => u.integration).map((u: any) => u.Id),
    [sf.seed.integrationUserId],
  );
  assert.deepEqual(state.queues, [{ Id: sf.seed.queueId, Name: 'Sendbird Support' }]);
  const seeded = state.cases.find((c: any) => c.Id === sf.seed.caseIds[0]);
  assert.deepEqual([seeded.ownerName, seeded.ownerType], ['Sendbird Support', 'Queue']);
  assert.equal(state.cases.at(-1).Status, 'Closed', 'closed Cases last');

  // A login is per browser: an HttpOnly cookie names its session; other browsers keep theirs.
  const login = await post(`${sf.url}/__console/api/login`, { userId: ben });
  assert.equal((login.body as any).currentUser.Name, 'Ben Agent');
  const setCookie = login.headers.get('set-cookie') ?? '';
  assert.match(setCookie, new RegExp(`^${SESSION_COOKIE}=[\\w-]{20,}; Path=/; HttpOnly; SameSite=Lax$`));
  const cookie = setCookie.split(';')[0]!;
  const asBen = { headers: { cookie: `other=1; ${cookie}` } };
  assert.equal(((await raw(`${sf.url}/__console/api/state`, asBen)).body as any).currentUser.Id, ben, 'the cookie names Ben');
  assert.equal(((await raw(`${sf.url}/__console/aura/bundle`, asBen)).body as any).currentUserId, ben);
  assert.equal(((await raw(`${sf.url}/__console/api/state`)).body as any).currentUser.Id, ava, 'without the cookie: the default agent');
  const unknown = { headers: { cookie: `${SESSION_COOKIE}=forged` } };
  assert.equal(((await raw(`${sf.url}/__console/api/state`, unknown)).body as any).currentUser.Id, ava, 'an unknown session: the default');
  assert.equal(sf.console?.currentUserId(), ava, 'the default agent stays');
  const again = await raw(`${sf.url}/__console/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...asBen.headers },
    body: JSON.stringify({ userId: sf.seed.agents.cara }),
  });
  assert.equal((again.body as any).currentUser.Id, sf.seed.agents.cara);
  assert.equal(((await raw(`${sf.url}/__console/api/state`, asBen)).body as any).currentUser.Id, ava, 'a new login ends the old session');
  assert.equal((await post(`${sf.url}/__console/api/login`, { userId: '005EM0000000099YAA' })).status, 400);
  assert.equal((await post(`${sf.url}/__console/api/login`, {})).status, 400);

  const caseId = sf.seed.caseIds[0]!;
  const moved = await post(`${sf.url}/__console/api/cases/${caseId}/owner`, { ownerId: ava });
  assert.equal((moved.body as any).cases.find((c: any) => c.Id === caseId).ownerName, 'Ava Agent');
  const bad = await post(`${sf.url}/__console/api/cases/${caseId}/owner`, { ownerId: sf.seed.caseIds[1] });
  assert.equal(bad.status, 400);
  assert.match((bad.body as any).error, /^FIELD_INTEGRITY_EXCEPTION: Owner ID/, 'validated like a save in the UI');

  // Closing the Case (a Status save): the trigger's case.status_changed and a validated value.
  assert.deepEqual(state.caseStatuses, ['New', 'Working', 'Escalated', 'Closed']);
  const closed = await post(`${sf.url}/__console/api/cases/${caseId}/status`, { status: 'Closed' });
  assert.equal((closed.body as any).cases.find((c: any) => c.Id === caseId).Status, 'Closed');
  assert.equal(sf.state.get('Case', caseId)?.IsClosed, true);
  const badStatus = await post(`${sf.url}/__console/api/cases/${caseId}/status`, { status: 'Exploded' });
  assert.equal(badStatus.status, 400);
  assert.match((badStatus.body as any).error, /^status must be one of New, Working, Escalated, Closed$/);
  assert.equal((await post(`${sf.url}/__console/api/cases/${caseId}/status`, {})).status, 400);
  await post(`${sf.url}/__console/api/cases/${caseId}/status`, { status: 'Working' });

  // Ben is logged in (here the default agent): work routed to him shows in his Omni-Channel widget until he decides.
  sf.console?.login(ben);
  const routed = await post(`${sf.url}/__console/api/cases/${caseId}/route`, { userId: ben });
  const workId = (routed.body as any).workId as string;
  assert.deepEqual(
    (routed.body as any).state.work.map((w: any) => [w.Id, w.Status, w.WorkItemId]),
    [[workId, 'Assigned', caseId]],
  );
  const accepted = (await post(`${sf.url}/__console/api/agent-work/${workId}/accept`)).body as any;
  assert.equal(accepted.cases.find((c: any) => c.Id === caseId).ownerName, 'Ben Agent', 'Omni makes the agent the owner');
  assert.deepEqual(
    accepted.work.map((w: any) => w.Status),
    ['Opened'],
  );
  assert.equal((await post(`${sf.url}/__console/api/agent-work/${workId}/decline`)).status, 400, 'only Assigned work can be declined');
  assert.equal((await post(`${sf.url}/__console/api/agent-work/${workId}/maybe`)).status, 404);
});

test('a Case record with its Sendbird_Message__c transcript, in time order', async (t) => {
  const sf = await startSf(t, { console: fixtures(t) });
  const token = await tokenFor(sf);
  const caseId = sf.seed.caseIds[1]!;
  for (const [id, at, role, body] of [
    ['m2', '2025-01-01T10:01:00.000+0000', 'Agent', 'Hello, Ava here'],
    ['m1', '2025-01-01T10:00:00.000+0000', 'Customer', 'I was charged twice'],
  ] as const) {
    const res = await api(sf, token, 'POST', '/sobjects/Sendbird_Message__c', {
      Case__c: caseId,
      Sendbird_Message_Id__c: id,
      Sent_At__c: at,
      Sender_Role__c: role,
      Body__c: body,
      Message_Type__c: 'MESG',
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  }
  const view = (await raw(`${sf.url}/__console/api/cases/${caseId}`)).body as any;
  assert.equal(view.case.Subject, 'Refund for a double charge');
  assert.equal(view.case.ownerName, 'Ava Agent');
  assert.deepEqual(
    [view.case.contactName, view.case.contactEmail, view.case.accountName],
    [null, null, null],
    'an unlinked Case names no Contact or Account',
  );
  assert.deepEqual(
    view.transcript.map((m: any) => [m.Sendbird_Message_Id__c, m.Sender_Role__c, m.Body__c]),
    [
      ['m1', 'Customer', 'I was charged twice'],
      ['m2', 'Agent', 'Hello, Ava here'],
    ],
  );
  assert.equal((await raw(`${sf.url}/__console/api/cases/${caseId.slice(0, 15)}`)).status, 200, '15-character Ids work');
  assert.equal((await raw(`${sf.url}/__console/api/cases/500EM0000000099YAA`)).status, 404);
});

test("a transcript message's Salesforce File downloads from the emulator, by the document (its latest version) or by a version", async (t) => {
  const sf = await startSf(t, { console: fixtures(t) });
  const token = await tokenFor(sf);
  const caseId = sf.seed.caseIds[1]!;
  const created = async (type: string, body: Record<string, unknown>): Promise<string> => {
    const res = await api(sf, token, 'POST', `/sobjects/${type}`, body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return (res.body as { id: string }).id;
  };
  const base64 = (text: string) => Buffer.from(text).toString('base64');
  const v1 = await created('ContentVersion', {
    PathOnClient: 'invoice.pdf',
    VersionData: base64('%PDF-1 first'),
    FirstPublishLocationId: caseId,
  });
  const docId = String(sf.records('ContentVersion').find((v) => v.Id === v1)!.ContentDocumentId);
  for (const [id, fileId, name] of [
    ['m1', docId, 'invoice.pdf'],
    ['m2', v1, 'invoice.pdf'],
    ['m3', '069EM0000000099YAA', 'gone.png'],
  ] as const) {
    await created('Sendbird_Message__c', {
      Case__c: caseId,
      Sendbird_Message_Id__c: id,
      Sent_At__c: `2025-01-01T10:0${id.slice(1)}:00.000+0000`,
      Message_Type__c: 'FILE',
      File_Name__c: name,
      File_Id__c: fileId,
    });
  }
  const view = (await raw(`${sf.url}/__console/api/cases/${caseId}`)).body as any;
  assert.deepEqual(
    view.transcript.map((m: any) => [m.File_Id__c, m.fileDownloadUrl]),
    [
      [docId, `/sfc/servlet.shepherd/document/download/${docId}`],
      [v1, `/sfc/servlet.shepherd/version/download/${v1}`],
      ['069EM0000000099YAA', null],
    ],
    'a link only to a File the org has',
  );

  // A second version: the document's link serves it, the first version's link still the first.
  await created('ContentVersion', { PathOnClient: 'invoice.pdf', VersionData: base64('%PDF-1 second'), ContentDocumentId: docId });
  const get = async (path: string) => {
    const res = await fetch(`${sf.url}${path}`);
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      disposition: res.headers.get('content-disposition'),
      text: await res.text(),
    };
  };
  assert.deepEqual(await get(view.transcript[0].fileDownloadUrl), {
    status: 200,
    type: 'application/pdf',
    disposition: `attachment; filename="invoice.pdf"; filename*=UTF-8''invoice.pdf`,
    text: '%PDF-1 second',
  });
  assert.equal((await get(view.transcript[1].fileDownloadUrl)).text, '%PDF-1 first');
  assert.equal((await get(`/sfc/servlet.shepherd/document/download/${docId.slice(0, 15)}`)).text, '%PDF-1 second', '15-character Ids');
  assert.equal((await get('/sfc/servlet.shepherd/document/download/069EM0000000099YAA')).status, 404);
  assert.equal((await get(`/sfc/servlet.shepherd/document/download/${caseId}`)).status, 404, 'a Case is not a File');
  assert.equal((await get('/sfc/servlet.shepherd/version/download/not-an-id')).status, 404);

  // A name with quotes and non-ASCII letters: both forms in the header, each safe.
  await created('ContentVersion', {
    PathOnClient: 'Überweisung "März".txt',
    VersionData: base64('Betrag'),
    FirstPublishLocationId: caseId,
  });
  const odd = sf.records('ContentVersion').find((v) => v.PathOnClient === 'Überweisung "März".txt')!;
  const got = await get(`/sfc/servlet.shepherd/version/download/${odd.Id}`);
  assert.equal(got.type, 'text/plain; charset=utf-8');
  assert.equal(got.disposition, `attachment; filename="_berweisung M_rz.txt"; filename*=UTF-8''%C3%9Cberweisung%20%22M%C3%A4rz%22.txt`);
});

test('the getAgentSession Aura action: the bridge answer, plus apiHost in the sandbox; safe errors', async (t) => {
  let sendbirdHost: string | undefined = undefined;
  const sf = await startSf(t, { console: { ...fixtures(t), sendbirdApiHost: () => sendbirdHost } });
  const noBridge = (await post(`${sf.url}/__console/aura/getAgentSession`, { params: {} })).body;
  assert.deepEqual(noBridge, { state: 'ERROR', error: [{ message: AGENT_SESSION_UNAVAILABLE }] });

  // A stand-in for the bridge's POST /agents/session, checking the Named Credential's header.
  const seen: unknown[] = [];
  const bridge = Fastify();
  bridge.post('/agents/session', async (req, reply) => {
    if (req.headers.authorization !== `Bearer ${SECRET}`) return reply.code(401).send({ error: 'unauthorized' });
    seen.push(req.body);
    const { userId, nickname } = req.body as { userId: string; nickname: string };
    return { appId: 'APP', userId, nickname, accessToken: 'session-token', expiresAt: 1_900_000_000_000, apiHost: 'http://bridge-says' };
  });
  await bridge.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => bridge.close());
  const address = bridge.server.address() as { port: number };
  sf.org.setBridge({ url: `http://127.0.0.1:${address.port}`, secret: SECRET });

  const real = (await post(`${sf.url}/__console/aura/getAgentSession`)).body as any;
  assert.deepEqual(real, {
    state: 'SUCCESS',
    returnValue: {
      appId: 'APP',
      userId: sf.seed.agents.ava,
      nickname: 'Ava Agent',
      accessToken: 'session-token',
      expiresAt: 1_900_000_000_000,
    },
  });
  assert.deepEqual(seen, [{ userId: sf.seed.agents.ava, nickname: 'Ava Agent' }]);

  sendbirdHost = 'http://127.0.0.1:9999';
  sf.console?.login(sf.seed.agents.cara);
  const sandbox = (await post(`${sf.url}/__console/aura/getAgentSession`)).body as any;
  assert.equal(sandbox.returnValue.userId, sf.seed.agents.cara, 'the logged-in agent');
  assert.equal(sandbox.returnValue.apiHost, 'http://127.0.0.1:9999', 'the simulator adds where the emulated Sendbird lives');

  assert.deepEqual((await post(`${sf.url}/__console/aura/somethingElse`)).body, {
    state: 'ERROR',
    error: [{ message: "Unknown controller action 'somethingElse'" }],
  });
});

test('without the console option nothing is served under /console', async (t) => {
  const sf = await startSf(t);
  assert.equal((await raw(`${sf.url}/console`)).status, 404);
  assert.equal((await raw(`${sf.url}/__console/api/state`)).status, 404);
  assert.equal(sf.console, undefined);
});
