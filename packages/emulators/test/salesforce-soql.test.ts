/** The emulator's SOQL subset over HTTP: filters, ordering, paging, and the errors outside it. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { startSalesforceEmulator } from '../src/salesforce/index.js';
import type { RunningSalesforceEmulator } from '../src/salesforce/index.js';
import { V, api, firstError, startSf, tokenFor } from './salesforce-helpers.js';

interface Page {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: Record<string, unknown>[];
}

/** `t` registers the shutdown; without it (a `before` hook) the caller closes the emulator. */
async function setup(t?: TestContext) {
  const emu = t ? await startSf(t) : await startSalesforceEmulator();
  const tok = await tokenFor(emu);
  const q = async (soql: string, headers: Record<string, string> = {}) =>
    api(emu, tok, 'GET', `/query?q=${encodeURIComponent(soql)}`, undefined, headers);
  const rows = async (soql: string) => {
    const r = await q(soql);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return (r.body as Page).records;
  };
  return { emu, tok, q, rows };
}

describe('SOQL subset', () => {
  let ctx: Awaited<ReturnType<typeof setup>>;
  let emu: RunningSalesforceEmulator;
  after(() => emu.close());
  before(async () => {
    ctx = await setup();
    emu = ctx.emu;
    // Extra Cases with known values for filtering and ordering.
    const extra = [
      { Subject: 'Alpha 100%', Priority: 'Low', Origin: 'Phone' },
      { Subject: 'beta_two', Priority: 'High' },
      { Subject: null, Priority: 'Low', Origin: 'Email' },
    ];
    for (const c of extra) await api(emu, ctx.tok, 'POST', '/sobjects/Case', c);
  });

  it('selects fields in the order asked, with attributes, case-insensitive keywords and names', async () => {
    const recs = await ctx.rows(`select casenumber, ID from case where id = '${emu.seed.caseIds[0]!.slice(0, 15)}'`);
    assert.equal(recs.length, 1);
    assert.deepEqual(Object.keys(recs[0]!), ['attributes', 'CaseNumber', 'Id']);
    assert.deepEqual(recs[0]!.attributes, { type: 'Case', url: `/services/data/v${V}/sobjects/Case/${emu.seed.caseIds[0]}` });
  });

  it('COUNT()', async () => {
    const r = await ctx.q("SELECT COUNT() FROM Case WHERE Priority = 'Low'");
    assert.deepEqual(r.body, { totalSize: 2, done: true, records: [] });
  });

  it('comparison operators, null, booleans and date-times', async () => {
    assert.equal((await ctx.rows('SELECT Id FROM Case WHERE Subject = null')).length, 1);
    assert.equal((await ctx.rows('SELECT Id FROM Case WHERE Subject != null')).length, 5);
    assert.equal((await ctx.rows("SELECT Id FROM Case WHERE Subject != 'beta_two'")).length, 5, 'nulls match !=');
    assert.equal((await ctx.rows('SELECT Id FROM Case WHERE IsClosed = true')).length, 1);
    assert.equal((await ctx.rows("SELECT Id FROM Case WHERE CaseNumber >= '00001002' AND CaseNumber < '00001004'")).length, 2);
    assert.equal((await ctx.rows('SELECT Id FROM Case WHERE CreatedDate > 2000-01-01T00:00:00Z')).length, 6);
    assert.equal((await ctx.rows('SELECT Id FROM Case WHERE CreatedDate <= 2000-01-01T00:00:00.000+00:00')).length, 0);
    assert.equal((await ctx.rows("SELECT Id FROM Case WHERE subject = 'ALPHA 100%'")).length, 1, 'string = is case-insensitive');
  });

  it('AND / OR / NOT with parentheses; mixing AND and OR needs parentheses', async () => {
    // Priorities: seed Medium, High, Medium; extra Low, High, Low.
    assert.equal((await ctx.rows("SELECT Id FROM Case WHERE Priority = 'Low' OR Priority = 'High'")).length, 4);
    assert.equal((await ctx.rows("SELECT Id FROM Case WHERE (Priority = 'Low' OR Priority = 'High') AND Origin = 'Phone'")).length, 1);
    assert.equal((await ctx.rows("SELECT Id FROM Case WHERE NOT Priority = 'Medium'")).length, 4);
    assert.equal((await ctx.rows("SELECT Id FROM Case WHERE NOT (Priority = 'Medium' OR Priority = 'Low')")).length, 2);
    const mixed = await ctx.q("SELECT Id FROM Case WHERE Priority = 'Low' AND Origin = 'Phone' OR Priority = 'High'");
    assert.equal(mixed.status, 400);
    assert.equal(firstError(mixed).errorCode, 'MALFORMED_QUERY');
  });

  it('IN / NOT IN with 15- and 18-character Ids, LIKE with % _ and escapes', async () => {
    const [a, b, c] = emu.seed.caseIds as [string, string, string];
    assert.equal((await ctx.rows(`SELECT Id FROM Case WHERE Id IN ('${a}', '${b.slice(0, 15)}')`)).length, 2);
    assert.equal((await ctx.rows(`SELECT Id FROM Case WHERE Id NOT IN ('${a}', '${b}', '${c}')`)).length, 3);
    // Origins: seed Web, Web, Email; extra Phone, null, Email.
    assert.equal((await ctx.rows("SELECT Id FROM Case WHERE Origin IN ('Web', 'Email')")).length, 4);
    assert.equal((await ctx.rows("SELECT Id FROM Case WHERE Subject LIKE 'alpha%'")).length, 1);
    assert.equal((await ctx.rows("SELECT Id FROM Case WHERE Subject LIKE '%100\\%'")).length, 1);
    assert.equal((await ctx.rows("SELECT Id FROM Case WHERE Subject LIKE 'beta\\_tw_'")).length, 1);
    assert.equal((await ctx.rows("SELECT Id FROM Case WHERE Subject LIKE 'beta_'")).length, 0);
    assert.equal((await ctx.rows(`SELECT Id, Name FROM User WHERE Id IN ('${emu.seed.agents.ava.slice(0, 15)}')`))[0]!.Name, 'Ava Agent');
  });

  it('ORDER BY several fields, ASC/DESC, NULLS FIRST/LAST; LIMIT and OFFSET', async () => {
    const subj = (recs: Record<string, unknown>[]) => recs.map((r) => r.Subject);
    const asc = await ctx.rows('SELECT Subject FROM Case ORDER BY Subject');
    assert.equal(asc[0]!.Subject, null, 'ASC puts nulls first by default');
    const desc = await ctx.rows('SELECT Subject FROM Case ORDER BY Subject DESC');
    assert.equal(desc[desc.length - 1]!.Subject, null, 'DESC puts nulls last by default');
    assert.deepEqual(subj(await ctx.rows('SELECT Subject FROM Case ORDER BY Subject ASC NULLS LAST')), [...subj(asc).slice(1), null]);
    const multi = await ctx.rows('SELECT Priority, Subject FROM Case ORDER BY Priority DESC, Subject ASC NULLS LAST');
    assert.deepEqual(
      multi.map((r) => `${r.Priority}/${r.Subject}`),
      [
        'Medium/Cannot sign in to the app',
        'Medium/How do I export my data?',
        'Low/Alpha 100%',
        'Low/null',
        'High/beta_two',
        'High/Refund for a double charge',
      ],
    );
    assert.deepEqual(subj(await ctx.rows('SELECT Subject FROM Case ORDER BY CaseNumber LIMIT 2 OFFSET 1')), [
      'Refund for a double charge',
      'How do I export my data?',
    ]);
  });

  it('refuses what is outside the subset or wrong, with the API error codes', async () => {
    const cases: [string, string][] = [
      ['SELECT Id FROM Case GROUP BY Status', 'MALFORMED_QUERY'],
      ['SELECT Owner.Name FROM Case', 'MALFORMED_QUERY'],
      ['SELECT Id FROM Case WHERE CreatedDate = TODAY', 'MALFORMED_QUERY'],
      ['SELECT Id FROM Case WHERE', 'MALFORMED_QUERY'],
      ['SELECT Id Case', 'MALFORMED_QUERY'],
      ["SELECT Id FROM Case WHERE Subject = 'open", 'MALFORMED_QUERY'],
      ['SELECT Id, Id FROM Case', 'MALFORMED_QUERY'],
      ['SELECT Nope FROM Case', 'INVALID_FIELD'],
      ['SELECT Id FROM Nope__c', 'INVALID_TYPE'],
      ["SELECT Id FROM Case WHERE Description = 'x'", 'INVALID_FIELD'],
      ['SELECT Id FROM Case ORDER BY Description', 'INVALID_FIELD'],
      ["SELECT Id FROM Case WHERE IsClosed = 'false'", 'INVALID_FIELD'],
      ['SELECT Id FROM Case WHERE Subject = 5', 'INVALID_FIELD'],
      ["SELECT Id FROM Case WHERE Id = 'abc'", 'INVALID_QUERY_FILTER_OPERATOR'],
      ['SELECT Id FROM Case OFFSET 2001', 'NUMBER_OUTSIDE_VALID_RANGE'],
    ];
    for (const [soql, code] of cases) {
      const r = await ctx.q(soql);
      assert.equal(r.status, 400, soql);
      assert.equal(firstError(r).errorCode, code, soql);
    }
    const missing = await api(emu, ctx.tok, 'GET', '/query');
    assert.equal(firstError(missing).errorCode, 'MALFORMED_QUERY');
    assert.match(firstError(await ctx.q('SELECT Nope FROM Case')).message, /^No such column 'Nope' on entity 'Case'/);
  });
});

describe('query paging', () => {
  it('pages with Sforce-Query-Options batchSize (clamped to 200..2000) and rejects a bad locator', async (t) => {
    const { emu, tok, q } = await setup(t);
    const records = Array.from({ length: 150 }, (_, i) => ({ attributes: { type: 'Case' }, Subject: `p${String(i).padStart(3, '0')}` }));
    for (let i = 0; i < 2; i++) {
      const r = await api(emu, tok, 'POST', '/composite/sobjects', {
        records: records.map((x) => ({ ...x, Subject: `${x.Subject}-${i}` })),
      });
      assert.equal(r.status, 200);
    }
    const first = await q('SELECT Subject FROM Case ORDER BY Subject', { 'Sforce-Query-Options': 'batchSize=50' });
    const p1 = first.body as Page;
    assert.equal(p1.totalSize, 303);
    assert.equal(p1.records.length, 200);
    assert.equal(p1.done, false);
    assert.match(p1.nextRecordsUrl!, /^\/services\/data\/v62\.0\/query\/01g[A-Za-z0-9]{15}-200$/);
    const next = await api(emu, tok, 'GET', p1.nextRecordsUrl!.slice(`/services/data/v${V}`.length));
    const p2 = next.body as Page;
    assert.equal(p2.done, true);
    assert.equal(p2.nextRecordsUrl, undefined);
    assert.equal(p2.records.length, 103);
    const again = await api(emu, tok, 'GET', p1.nextRecordsUrl!.slice(`/services/data/v${V}`.length));
    assert.equal(again.status, 400);
    assert.equal(firstError(again).errorCode, 'INVALID_QUERY_LOCATOR');

    const whole = await q('SELECT Id FROM Case');
    assert.equal((whole.body as Page).records.length, 303, 'default batch is 2000');
  });
});
