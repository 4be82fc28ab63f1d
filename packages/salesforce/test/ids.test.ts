import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KEY_PREFIX, idProblem, isQueueId, isSalesforceId, isUserId, keyPrefix, sameId, to18 } from '../src/index.js';

describe('Id helpers', () => {
  it('adds the checksum to the Ids printed in Salesforce docs', () => {
    // Pairs from the console API docs, cited in the reference notes §2 "IDs". (The notes write the
    // second one as "001R0000003HgssI...": its 15-character form is 001R0000003Hgss, checksum IAC.)
    assert.equal(to18('001xx000003DI05'), '001xx000003DI05AAG');
    assert.equal(to18('001R0000003Hgss'), '001R0000003HgssIAC');
  });

  it('keeps a valid 18-character Id and rejects a wrong checksum', () => {
    assert.equal(to18('001xx000003DI05AAG'), '001xx000003DI05AAG');
    assert.equal(isSalesforceId('001xx000003DI05AAH'), false);
    assert.throws(() => to18('001xx000003DI05AAH'), /not a valid 15- or 18-character Salesforce Id/);
  });

  it('rejects strings that are not Ids', () => {
    for (const bad of ['', 'abc', '001xx000003DI0', '001xx000003DI05A', '001xx-00003DI05', 42, null, undefined]) {
      assert.equal(isSalesforceId(bad), false, String(bad));
    }
    assert.throws(() => to18('nope'), TypeError);
  });

  it('reads key prefixes and tells users from queues', () => {
    assert.equal(keyPrefix('500xx000000AbCd'), KEY_PREFIX.Case);
    assert.equal(isUserId(to18('005xx000001Sv6D')), true);
    assert.equal(isUserId('00Gxx000000AbCd'), false);
    assert.equal(isQueueId('00Gxx000000AbCd'), true);
    assert.equal(isQueueId('005xx000001Sv6D'), false);
    assert.equal(isUserId('not-an-id'), false);
  });

  it('compares 15- and 18-character forms', () => {
    assert.equal(sameId('001xx000003DI05', '001xx000003DI05AAG'), true);
    assert.equal(sameId('001xx000003DI05', '001xx000003DI06'), false);
    // Ids are case-sensitive in their 15-character form.
    assert.equal(sameId('001xx000003DI05', '001XX000003DI05'), false);
    assert.equal(sameId('bad', 'bad'), false);
  });

  it('says why an Id is refused: length, checksum or letter case, object', () => {
    assert.equal(idProblem('001xx000003DI05'), null);
    assert.equal(idProblem('001xx000003DI05AAG', '001'), null);
    assert.match(idProblem('001XX000003DI05AAG') ?? '', /letter case/, 'the letters changed case, the checksum did not');
    assert.match(idProblem('001xx000003di05AAG') ?? '', /letter case/);
    assert.match(idProblem('001xx000003DI05AAH') ?? '', /checksum/);
    assert.match(idProblem('001xx000003DI05aag') ?? '', /checksum/, 'a lower-case checksum');
    assert.match(idProblem('001xx000003DI05', '003') ?? '', /starts with 001, not 003/);
    assert.match(idProblem('001xx000003DI0') ?? '', /15 or 18/);
    assert.match(idProblem(`${'\u{1F600}'.repeat(30)}`) ?? '', /15 or 18/);
    assert.equal(
      idProblem('\u{1F600}'.repeat(50)),
      `"${'\u{1F600}'.repeat(40)}..." is not 15 or 18 letters and digits`,
      'the quoted input is cut between characters',
    );
  });
});
