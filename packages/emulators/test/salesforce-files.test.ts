/**
 * Salesforce Files in the emulator over real HTTP: ContentVersion created from base64 JSON and
 * from a multipart body, the document and links it makes, VersionData read back, explicit
 * ContentDocumentLinks and their errors, the REST API's size limits, the SOQL restriction on
 * ContentDocumentLink; and jsforce (a client we did not write) creating and querying a file.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Connection } from 'jsforce';
import type { RunningSalesforceEmulator } from '../src/salesforce/index.js';
import { mintId } from '../src/salesforce/util.js';
import { api, firstError, raw, startSf, tokenFor, V } from './salesforce-helpers.js';

const PDF = Buffer.from('%PDF-1.4\n% a tiny test file\n\u00e9\u0000\u00ff', 'latin1');

async function setup(t: Parameters<typeof startSf>[0], options: Parameters<typeof startSf>[1] = {}) {
  const emu = await startSf(t, options);
  const token = await tokenFor(emu);
  return { emu, token, caseId: emu.seed.caseIds[0]! };
}

async function query(emu: RunningSalesforceEmulator, token: string, soql: string) {
  return api(emu, token, 'GET', `/query?q=${encodeURIComponent(soql)}`);
}

function multipart(fields: Record<string, unknown>, file: Buffer, name = 'VersionData'): { body: Buffer; type: string } {
  const boundary = 'boundary_string_7MA4YWxk';
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="entity_content";\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(fields)}\r\n` +
        `--${boundary}\r\nContent-Type: application/octet-stream\r\nContent-Disposition: form-data; name="${name}"; filename="${String(fields.PathOnClient)}"\r\n\r\n`,
    ),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, type: `multipart/form-data; boundary="${boundary}"` };
}

describe('ContentVersion', () => {
  it('a JSON create with base64 VersionData makes the document, the owner link and the record link', async (t) => {
    const { emu, token, caseId } = await setup(t);
    const created = await api(emu, token, 'POST', '/sobjects/ContentVersion', {
      Title: 'Invoice 42',
      PathOnClient: 'invoice-42.pdf',
      VersionData: PDF.toString('base64'),
      FirstPublishLocationId: caseId,
      Sendbird_Message_Id__c: '1000001',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = (created.body as { id: string }).id;
    assert.match(id, /^068/);

    const got = await api(emu, token, 'GET', `/sobjects/ContentVersion/${id}`);
    const v = got.body as Record<string, unknown>;
    assert.equal(v.Title, 'Invoice 42');
    assert.equal(v.PathOnClient, 'invoice-42.pdf');
    assert.equal(v.FileExtension, 'pdf');
    assert.equal(v.FileType, 'PDF');
    assert.equal(v.ContentSize, PDF.length);
    assert.equal(v.IsLatest, true);
    assert.equal(v.VersionNumber, '1');
    assert.equal(v.FirstPublishLocationId, caseId);
    assert.equal(v.VersionData, `/services/data/v${V}/sobjects/ContentVersion/${id}/VersionData`, 'the blob shows as its URL');
    assert.match(String(v.ContentDocumentId), /^069/);

    const blob = await fetch(`${emu.url}${String(v.VersionData)}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(blob.status, 200);
    assert.deepEqual(Buffer.from(await blob.arrayBuffer()), PDF, 'the bytes come back exactly');

    const doc = (await api(emu, token, 'GET', `/sobjects/ContentDocument/${String(v.ContentDocumentId)}`)).body as Record<string, unknown>;
    assert.equal(doc.LatestPublishedVersionId, id);
    assert.equal(doc.Title, 'Invoice 42');

    const links = await query(
      emu,
      token,
      `SELECT Id, ContentDocumentId, ShareType, Visibility FROM ContentDocumentLink WHERE LinkedEntityId = '${caseId}'`,
    );
    assert.equal(links.status, 200);
    const recs = (links.body as { records: Record<string, unknown>[] }).records;
    assert.equal(recs.length, 1, 'FirstPublishLocationId links the file to the Case once');
    assert.deepEqual([recs[0]!.ContentDocumentId, recs[0]!.ShareType, recs[0]!.Visibility], [v.ContentDocumentId, 'V', 'AllUsers']);
    const owner = await query(
      emu,
      token,
      `SELECT LinkedEntityId, ShareType FROM ContentDocumentLink WHERE ContentDocumentId = '${String(v.ContentDocumentId)}'`,
    );
    const shares = (owner.body as { records: { LinkedEntityId: string; ShareType: string }[] }).records.map((r) => r.ShareType).sort();
    assert.deepEqual(shares, ['I', 'V'], 'the owner has its own (inferred) link');

    const byKey = await query(emu, token, `SELECT Id, ContentDocumentId FROM ContentVersion WHERE Sendbird_Message_Id__c = '1000001'`);
    assert.equal((byKey.body as { totalSize: number }).totalSize, 1);
  });

  it('a multipart create (the guide’s entity_content + VersionData parts) stores the binary part', async (t) => {
    const { emu, token, caseId } = await setup(t);
    const bytes = Buffer.from([0, 1, 2, 253, 254, 255, 13, 10, 45, 45]);
    const { body, type } = multipart({ PathOnClient: 'photo.png', FirstPublishLocationId: caseId }, bytes);
    const res = await raw(`${emu.url}/services/data/v${V}/sobjects/ContentVersion`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      body,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const id = (res.body as { id: string }).id;
    const v = (await api(emu, token, 'GET', `/sobjects/ContentVersion/${id}`)).body as Record<string, unknown>;
    assert.equal(v.Title, 'photo', 'Title defaults to the file name without its extension');
    assert.equal(v.FileType, 'PNG');
    const blob = await fetch(`${emu.url}/services/data/v${V}/sobjects/ContentVersion/${id}/VersionData`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.deepEqual(Buffer.from(await blob.arrayBuffer()), bytes);
  });

  it('a new version of a document: ContentDocumentId names it, the old version is no longer latest', async (t) => {
    const { emu, token } = await setup(t);
    const first = (await api(emu, token, 'POST', '/sobjects/ContentVersion', { PathOnClient: 'a.txt', VersionData: 'YQ==' })).body as {
      id: string;
    };
    const docId = ((await api(emu, token, 'GET', `/sobjects/ContentVersion/${first.id}`)).body as { ContentDocumentId: string })
      .ContentDocumentId;
    const second = await api(emu, token, 'POST', '/sobjects/ContentVersion', {
      PathOnClient: 'a.txt',
      VersionData: 'Yg==',
      ContentDocumentId: docId,
    });
    assert.equal(second.status, 201);
    const rows = (
      await query(
        emu,
        token,
        `SELECT Id, IsLatest, VersionNumber FROM ContentVersion WHERE ContentDocumentId = '${docId}' ORDER BY VersionNumber`,
      )
    ).body as {
      records: { IsLatest: boolean; VersionNumber: string }[];
    };
    assert.deepEqual(
      rows.records.map((r) => [r.VersionNumber, r.IsLatest]),
      [
        ['1', false],
        ['2', true],
      ],
    );
  });

  it('errors: missing fields, bad base64, a bad FirstPublishLocationId, a duplicate key, the JSON size limit', async (t) => {
    const { emu, token, caseId } = await setup(t);
    const noData = await api(emu, token, 'POST', '/sobjects/ContentVersion', { PathOnClient: 'a.txt' });
    assert.deepEqual(
      [noData.status, firstError(noData).errorCode, firstError(noData).fields],
      [400, 'REQUIRED_FIELD_MISSING', ['VersionData']],
    );
    const noPath = await api(emu, token, 'POST', '/sobjects/ContentVersion', { VersionData: 'YQ==' });
    assert.deepEqual(
      [noPath.status, firstError(noPath).errorCode, firstError(noPath).fields],
      [400, 'REQUIRED_FIELD_MISSING', ['PathOnClient']],
    );
    const badB64 = await api(emu, token, 'POST', '/sobjects/ContentVersion', { PathOnClient: 'a.txt', VersionData: 'not base64!' });
    assert.deepEqual([badB64.status, firstError(badB64).errorCode], [400, 'JSON_PARSER_ERROR']);
    const wrongType = await api(emu, token, 'POST', '/sobjects/ContentVersion', {
      PathOnClient: 'a.txt',
      VersionData: 'YQ==',
      FirstPublishLocationId: '00a000000000001AAA',
    });
    assert.deepEqual([wrongType.status, firstError(wrongType).errorCode], [400, 'FIELD_INTEGRITY_EXCEPTION']);
    const gone = await api(emu, token, 'POST', '/sobjects/ContentVersion', {
      PathOnClient: 'a.txt',
      VersionData: 'YQ==',
      FirstPublishLocationId: mintId('500', 99_999),
    });
    assert.deepEqual([gone.status, firstError(gone).errorCode], [400, 'INVALID_CROSS_REFERENCE_KEY']);
    const ok = await api(emu, token, 'POST', '/sobjects/ContentVersion', {
      PathOnClient: 'a.txt',
      VersionData: 'YQ==',
      FirstPublishLocationId: caseId,
      Sendbird_Message_Id__c: 'm-1',
    });
    assert.equal(ok.status, 201);
    const dup = await api(emu, token, 'POST', '/sobjects/ContentVersion', {
      PathOnClient: 'a.txt',
      VersionData: 'YQ==',
      FirstPublishLocationId: caseId,
      Sendbird_Message_Id__c: 'm-1',
    });
    assert.deepEqual([dup.status, firstError(dup).errorCode], [400, 'DUPLICATE_VALUE']);
    assert.equal(emu.records('ContentVersion').length, 1, 'refused creates leave nothing behind');
    assert.equal(emu.records('ContentDocument').length, 1);
    assert.equal(emu.records('ContentDocumentLink').length, 2);

    const big = Buffer.alloc(38 * 1024 * 1024, 1).toString('base64');
    const tooBig = await api(emu, token, 'POST', '/sobjects/ContentVersion', { PathOnClient: 'big.bin', VersionData: big });
    assert.equal(tooBig.status, 413);
    assert.equal(firstError(tooBig).errorCode, 'REQUEST_ENTITY_TOO_LARGE');
    assert.match(firstError(tooBig).message, /multipart/);
  });

  it('the multipart limit is an option; over it answers 413', async (t) => {
    const { emu, token } = await setup(t, { blobMultipartMaxBytes: 4096 });
    const { body, type } = multipart({ PathOnClient: 'big.bin' }, Buffer.alloc(8192));
    const res = await raw(`${emu.url}/services/data/v${V}/sobjects/ContentVersion`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      body,
    });
    assert.equal(res.status, 413);
    assert.equal(firstError(res).errorCode, 'REQUEST_ENTITY_TOO_LARGE');
    assert.equal(emu.records('ContentVersion').length, 0);
  });
});

describe('ContentDocumentLink', () => {
  it('an explicit link, the same link twice (FIELD_INTEGRITY_EXCEPTION), a missing ShareType, a bad picklist', async (t) => {
    const { emu, token, caseId } = await setup(t);
    const otherCase = emu.seed.caseIds[1]!;
    const v = (
      await api(emu, token, 'POST', '/sobjects/ContentVersion', {
        PathOnClient: 'a.txt',
        VersionData: 'YQ==',
        FirstPublishLocationId: caseId,
      })
    ).body as { id: string };
    const docId = (
      (await api(emu, token, 'GET', `/sobjects/ContentVersion/${v.id}?fields=ContentDocumentId`)).body as { ContentDocumentId: string }
    ).ContentDocumentId;
    const link = await api(emu, token, 'POST', '/sobjects/ContentDocumentLink', {
      ContentDocumentId: docId,
      LinkedEntityId: otherCase,
      ShareType: 'C',
      Visibility: 'InternalUsers',
    });
    assert.equal(link.status, 201, JSON.stringify(link.body));
    const again = await api(emu, token, 'POST', '/sobjects/ContentDocumentLink', {
      ContentDocumentId: docId,
      LinkedEntityId: caseId,
      ShareType: 'V',
    });
    assert.equal(again.status, 400);
    assert.equal(firstError(again).errorCode, 'FIELD_INTEGRITY_EXCEPTION');
    assert.equal(firstError(again).message, `Document with ID: ${docId} is already linked with the entity with ID: ${caseId}`);
    const noShare = await api(emu, token, 'POST', '/sobjects/ContentDocumentLink', {
      ContentDocumentId: docId,
      LinkedEntityId: emu.seed.caseIds[2]!,
    });
    assert.deepEqual([firstError(noShare).errorCode, firstError(noShare).fields], ['REQUIRED_FIELD_MISSING', ['ShareType']]);
    const badShare = await api(emu, token, 'POST', '/sobjects/ContentDocumentLink', {
      ContentDocumentId: docId,
      LinkedEntityId: emu.seed.caseIds[2]!,
      ShareType: 'X',
    });
    assert.equal(firstError(badShare).errorCode, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
    const badDoc = await api(emu, token, 'POST', '/sobjects/ContentDocumentLink', {
      ContentDocumentId: mintId('069', 99_999),
      LinkedEntityId: otherCase,
      ShareType: 'V',
    });
    assert.equal(firstError(badDoc).errorCode, 'INVALID_CROSS_REFERENCE_KEY');
    const linked = await query(
      emu,
      token,
      `SELECT Id, ShareType, Visibility FROM ContentDocumentLink WHERE LinkedEntityId IN ('${otherCase}')`,
    );
    assert.deepEqual(
      (linked.body as { records: { ShareType: string; Visibility: string }[] }).records.map((r) => [r.ShareType, r.Visibility]),
      [['C', 'InternalUsers']],
    );
  });

  it('SOQL on ContentDocumentLink must filter on one of its Id fields', async (t) => {
    const { emu, token } = await setup(t);
    for (const soql of [
      'SELECT Id FROM ContentDocumentLink',
      "SELECT Id FROM ContentDocumentLink WHERE ShareType = 'V'",
      `SELECT Id FROM ContentDocumentLink WHERE LinkedEntityId != '${mintId('500', 99_999)}'`,
    ]) {
      const res = await query(emu, token, soql);
      assert.equal(res.status, 400, soql);
      assert.equal(firstError(res).errorCode, 'MALFORMED_QUERY');
      assert.match(firstError(res).message, /requires a filter by a single Id on ContentDocumentId or LinkedEntityId/);
    }
  });
});

describe('Deleting a record with files', () => {
  it('deleting a Case deletes its links and the documents linked only to it; files kept elsewhere stay', async (t) => {
    const { emu, token, caseId } = await setup(t);
    const otherCase = emu.seed.caseIds[1]!;
    const file = async (name: string) => {
      const id = (
        (
          await api(emu, token, 'POST', '/sobjects/ContentVersion', {
            PathOnClient: name,
            VersionData: 'YQ==',
            FirstPublishLocationId: caseId,
          })
        ).body as { id: string }
      ).id;
      return { versionId: id, docId: String(emu.records('ContentVersion').find((v) => v.Id === id)!.ContentDocumentId) };
    };
    const linksOf = (docId: string) => emu.records('ContentDocumentLink').filter((l) => l.ContentDocumentId === docId);
    // In the owner's library and on the Case (the bridge's files); also on another Case; on the Case alone.
    const owned = await file('owned.pdf');
    const shared = await file('shared.pdf');
    await api(emu, token, 'POST', '/sobjects/ContentDocumentLink', {
      ContentDocumentId: shared.docId,
      LinkedEntityId: otherCase,
      ShareType: 'V',
    });
    const only = await file('only.pdf');
    const ownerLink = linksOf(only.docId).find((l) => l.ShareType === 'I')!;
    assert.equal((await api(emu, token, 'DELETE', `/sobjects/ContentDocumentLink/${ownerLink.Id}`)).status, 204);
    assert.deepEqual(
      linksOf(only.docId).map((l) => l.LinkedEntityId),
      [caseId],
    );

    assert.equal((await api(emu, token, 'DELETE', `/sobjects/Case/${caseId}`)).status, 204);
    const onCase = await query(emu, token, `SELECT Id FROM ContentDocumentLink WHERE LinkedEntityId = '${caseId}'`);
    assert.equal((onCase.body as { totalSize: number }).totalSize, 0, 'no link to the deleted Case');
    assert.deepEqual(
      linksOf(owned.docId).map((l) => l.ShareType),
      ['I'],
      "the bridge's file stays in its owner's library",
    );
    assert.deepEqual(
      linksOf(shared.docId).map((l) => [l.ShareType, l.LinkedEntityId === otherCase]),
      [
        ['I', false],
        ['V', true],
      ],
      "a file also on another Case keeps its owner's link and that Case's",
    );
    for (const path of [
      `/sobjects/ContentDocument/${only.docId}`,
      `/sobjects/ContentVersion/${only.versionId}`,
      `/sobjects/ContentVersion/${only.versionId}/VersionData`,
    ]) {
      assert.equal((await api(emu, token, 'GET', path)).status, 404, `gone: ${path}`);
    }
    for (const path of [`/sobjects/ContentDocument/${owned.docId}`, `/sobjects/ContentVersion/${shared.versionId}/VersionData`]) {
      assert.equal((await api(emu, token, 'GET', path)).status, 200, `kept: ${path}`);
    }
  });

  it('deleting a ContentDocument deletes its versions and links', async (t) => {
    const { emu, token, caseId } = await setup(t);
    const v = (
      (
        await api(emu, token, 'POST', '/sobjects/ContentVersion', {
          PathOnClient: 'a.txt',
          VersionData: 'YQ==',
          FirstPublishLocationId: caseId,
        })
      ).body as { id: string }
    ).id;
    const docId = String(emu.records('ContentVersion').find((r) => r.Id === v)!.ContentDocumentId);
    await api(emu, token, 'POST', '/sobjects/ContentVersion', { PathOnClient: 'a.txt', VersionData: 'Yg==', ContentDocumentId: docId });
    assert.equal(emu.records('ContentVersion').filter((r) => r.ContentDocumentId === docId).length, 2);
    assert.equal((await api(emu, token, 'DELETE', `/sobjects/ContentDocument/${docId}`)).status, 204);
    assert.equal(emu.records('ContentVersion').filter((r) => r.ContentDocumentId === docId).length, 0);
    assert.equal(emu.records('ContentDocumentLink').filter((l) => l.ContentDocumentId === docId).length, 0);
    assert.equal((await api(emu, token, 'GET', `/sobjects/Case/${caseId}`)).status, 200, 'the Case stays');
  });
});

describe('jsforce and Salesforce Files', () => {
  it('creates a ContentVersion with base64 VersionData, queries it, and reads the blob', async (t) => {
    const { emu, caseId } = await setup(t);
    const conn = new Connection({
      loginUrl: emu.url,
      version: V,
      oauth2: { loginUrl: emu.url, clientId: emu.options.clientId, clientSecret: emu.options.clientSecret },
    });
    await conn.authorize({ grant_type: 'client_credentials' });
    const created = await conn.sobject('ContentVersion').create({
      Title: 'From jsforce',
      PathOnClient: 'notes.txt',
      VersionData: Buffer.from('hello from jsforce').toString('base64'),
      FirstPublishLocationId: caseId,
    });
    assert.equal(created.success, true);
    const res = await conn.query<{ Id: string; Title: string; ContentDocumentId: string; ContentSize: number; VersionData: string }>(
      `SELECT Id, Title, ContentDocumentId, ContentSize, VersionData FROM ContentVersion WHERE Id = '${created.id!}'`,
    );
    assert.equal(res.totalSize, 1);
    const row = res.records[0]!;
    assert.deepEqual([row.Title, row.ContentSize], ['From jsforce', 18]);
    const links = await conn.query<{ ContentDocumentId: string }>(
      `SELECT ContentDocumentId FROM ContentDocumentLink WHERE LinkedEntityId = '${caseId}'`,
    );
    assert.deepEqual(
      links.records.map((l) => l.ContentDocumentId),
      [row.ContentDocumentId],
    );
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      conn
        .sobject('ContentVersion')
        .record(created.id!)
        .blob('VersionData')
        .on('data', (c: Buffer) => chunks.push(Buffer.from(c)))
        .on('end', () => resolve())
        .on('error', reject);
    });
    assert.equal(Buffer.concat(chunks).toString(), 'hello from jsforce');
  });
});
