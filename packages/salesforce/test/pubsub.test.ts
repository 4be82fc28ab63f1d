import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeFieldBitmap,
  encodeFieldBitmap,
  fieldNamesOf,
  positionOf,
  pubSubPackage,
  replayIdFromHex,
  replayIdOf,
  replayIdToHex,
} from '../src/pubsub/index.js';

test('a field bitmap reads as Salesforce documents it: bit i, least significant first, is field i', () => {
  // The guide's example '0x650004E0': bits 5,6,7,10,24,26,29,30.
  assert.deepEqual(decodeFieldBitmap('0x650004E0'), [5, 6, 7, 10, 24, 26, 29, 30]);
  assert.equal(encodeFieldBitmap([5, 6, 7, 10, 24, 26, 29, 30]), '0x650004E0');
  assert.equal(encodeFieldBitmap([1]), '0x02');
  assert.equal(encodeFieldBitmap([]), '0x00');
  assert.throws(() => decodeFieldBitmap('650004E0'), /not a field bitmap/);
  assert.throws(() => encodeFieldBitmap([-1]), /whole number/);
});

test('encode and decode are inverse for any set of positions', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 300 })), (positions) => {
      const sorted = [...positions].sort((a, b) => a - b);
      assert.deepEqual(decodeFieldBitmap(encodeFieldBitmap(positions)), sorted);
      assert.equal(encodeFieldBitmap(positions).length % 2, 0);
    }),
  );
});

test('field names come from the schema, compound members as Parent.Member', () => {
  const fields = [
    { name: 'ChangeEventHeader', type: 'record' },
    { name: 'OwnerId', type: ['null', 'string'] },
    { name: 'Status', type: ['null', 'string'] },
    {
      name: 'Name',
      type: [
        'null',
        {
          type: 'record',
          name: 'Name',
          fields: [
            { name: 'FirstName', type: 'string' },
            { name: 'LastName', type: 'string' },
          ],
        },
      ],
    },
  ];
  assert.deepEqual(fieldNamesOf(fields, [encodeFieldBitmap([1, 2])]), ['OwnerId', 'Status']);
  assert.deepEqual(fieldNamesOf(fields, ['0x04', '3-0x02']), ['Status', 'Name.LastName']);
  // A position beyond the schema (a field added after the event was written) is skipped, not invented.
  assert.deepEqual(fieldNamesOf(fields, [encodeFieldBitmap([1, 9])]), ['OwnerId']);
});

test('replay ids stay opaque bytes: hex both ways, and the emulator`s 8-byte positions', () => {
  const id = replayIdOf(123456789n);
  assert.equal(id.length, 8);
  assert.equal(positionOf(id), 123456789n);
  assert.equal(positionOf(Buffer.from([1, 2])), undefined);
  assert.deepEqual(replayIdFromHex(replayIdToHex(id)), id);
  assert.throws(() => replayIdFromHex('abc'), /even number/);
  assert.throws(() => replayIdFromHex('ABCD'), /lowercase/);
});

test('the vendored proto defines the PubSub service with its RPCs', () => {
  const { PubSub } = pubSubPackage();
  const methods = Object.keys(PubSub.service);
  for (const m of ['Subscribe', 'GetSchema', 'GetTopic', 'Publish', 'PublishStream'])
    assert.ok(methods.includes(m), `${m} in ${methods.join(',')}`);
  assert.equal(PubSub.service.Subscribe?.requestStream, true);
  assert.equal(PubSub.service.Subscribe?.responseStream, true);
});
