/**
 * `npm run reconcile` as an operator runs it: a child process with the bridge's environment (or
 * a sandbox.json), reconciling directly, with progress output, a summary and an exit code.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '@sbsf/testkit';
import { SECRETS } from './fixtures.js';
import { ledgerLines, makeCase, members, sbClient } from './membership-helpers.js';
import { startWorld, type World } from './world.js';

const CLI = fileURLToPath(new URL('../src/cli/reconcile.ts', import.meta.url));

function runCli(args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; out: string; err: string }> {
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', ...clean },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
}

/** A Case whose channel drifted: owned by Ava, but Ava is not in it and Ben is. */
async function driftedCase(w: World) {
  const { ava, ben } = w.sf.seed.agents;
  const c = await makeCase(w, ava);
  const sb = sbClient(w);
  await sb.createUser({ user_id: ben, nickname: 'Ben Agent', profile_url: '' }).catch(() => undefined);
  await sb.inviteMembers(c.caseId, [ben]);
  return c;
}

test('--case: reconciles the named Cases, prints progress and a summary, exit 0', async (t) => {
  const w = await startWorld(t);
  const { ava } = w.sf.seed.agents;
  const drifted = await driftedCase(w);
  const queued = await makeCase(w, w.sf.seed.queueId);
  const res = await runCli(['--case', drifted.caseId, '--case', queued.caseId.slice(0, 15)], { ...w.env, LOG_LEVEL: undefined });
  assert.equal(res.code, 0, res.err + res.out);
  assert.match(res.out, /^checked 2 cases: 1 invite, 1 leave, 0 without a channel, 0 errors$/m);
  assert.match(res.err, /^reconcile: 2\/2 cases \(invites 1 {2}leaves 1 {2}errors 0\)$/m, 'plain progress lines when not a terminal');
  assert.deepEqual(members(w, drifted.caseId), [drifted.customer, ava].sort());
  const sources = (await w.bridge.store.ledgerForCase(drifted.caseId))
    .filter((e) => e.action.startsWith('member.'))
    .map((e) => `${e.action} ${String(e.detail.source)}`);
  assert.deepEqual(sources, ['member.invite cli', 'member.leave cli'], 'the CLI writes the same ledger');
});

test('--all: every open Case with a channel; a missing Case is an error (exit 1)', async (t) => {
  const w = await startWorld(t);
  const { ben } = w.sf.seed.agents;
  const drifted = await driftedCase(w);
  const fine = await makeCase(w, w.sf.seed.queueId);
  const all = await runCli(['--all'], w.env);
  assert.equal(all.code, 0, all.err + all.out);
  // Ours (2) plus the two open seed Cases that have a ticket id but no channel.
  assert.match(all.out, /^checked 4 cases: 1 invite, 1 leave, 2 without a channel, 0 errors$/m);
  assert.ok(!members(w, drifted.caseId).includes(ben));
  assert.deepEqual(members(w, fine.caseId), [fine.customer]);
  assert.deepEqual(await ledgerLines(w, w.sf.seed.caseIds[0]!), [`channel.missing ${w.sf.seed.caseIds[0]} error`]);

  const missing = await runCli(['--case', '500EM00000009ZZ', '--case', 'nonsense'], w.env);
  assert.equal(missing.code, 1);
  assert.match(missing.out, /2 errors/);
  assert.match(missing.out, /failed 500EM00000009ZZ\w*: no such Case in Salesforce/);
  assert.match(missing.out, /failed nonsense: not a Case Id/);
});

test('--sandbox reads the URLs and credentials from sandbox.json; usage errors exit 2', async (t) => {
  const w = await startWorld(t);
  const drifted = await driftedCase(w);
  const dir = tempDir(t, 'sandbox-');
  const file = join(dir, 'sandbox.json');
  writeFileSync(
    file,
    JSON.stringify({
      urls: { salesforce: w.sf.url, sendbird: w.sb.url },
      credentials: {
        salesforce: { clientId: w.sf.options.clientId, clientSecret: w.sf.options.clientSecret },
        sendbird: { appId: w.sb.appId, apiToken: w.sb.apiToken },
        bridgeSharedSecret: SECRETS.BRIDGE_SHARED_SECRET,
      },
      bridgeSettings: { NON_AGENT_USER_IDS: w.sf.seed.integrationUserId },
    }),
  );
  const res = await runCli(['--case', drifted.caseId, '--sandbox', file], {});
  assert.equal(res.code, 0, res.err + res.out);
  assert.match(res.out, /checked 1 case: 1 invite, 1 leave/);

  const usage = await runCli([], w.env);
  assert.equal(usage.code, 2);
  assert.match(usage.err, /either --case \(one or more\) or --all/);
  const both = await runCli(['--all', '--case', drifted.caseId], w.env);
  assert.equal(both.code, 2);
  const noFile = await runCli(['--all', '--sandbox', join(dir, 'nope.json')], {});
  assert.equal(noFile.code, 2);
  assert.match(noFile.err, /no sandbox file/);
});
