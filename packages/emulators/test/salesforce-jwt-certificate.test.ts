/** JWT bearer verified against an X.509 certificate, as a real org holds it (needs openssl to make one). */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { SalesforceClient } from '@sbsf/salesforce';
import { requireComponent, tempDir } from '@sbsf/testkit';
import { startSf } from './salesforce-helpers.js';

it('accepts an assertion signed by the key of the configured certificate', async (t) => {
  if (!requireComponent(t, 'openssl', 'install openssl to create a self-signed certificate')) return;
  const dir = tempDir(t);
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=sbsf-test'],
    {
      stdio: 'ignore',
    },
  );
  const emu = await startSf(t, { jwtCertificate: readFileSync(cert, 'utf8') });
  const c = new SalesforceClient({
    loginUrl: emu.url,
    auth: {
      kind: 'jwt_bearer',
      clientId: emu.options.clientId,
      username: 'ben.agent@sbsf.example',
      privateKey: readFileSync(key, 'utf8'),
      audience: emu.url,
    },
  });
  const { id } = await c.create('Case', { Subject: 'signed with a certificate key' });
  assert.equal((await c.get<{ CreatedById: string }>('Case', id)).CreatedById, emu.seed.agents.ben);
});
