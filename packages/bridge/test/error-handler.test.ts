import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeValidationError, pointerToField } from '../src/http/error-handler.js';

test('pointerToField turns JSON pointers into field names', () => {
  assert.equal(pointerToField(''), '');
  assert.equal(pointerToField('/case/Subject'), 'case.Subject');
  assert.equal(pointerToField('/items/0/name'), 'items[0].name');
  assert.equal(pointerToField('/0'), '[0]');
  assert.equal(pointerToField('/a~1b/c~0d'), 'a/b.c~d');
});

test('describeValidationError names the field for each kind of Ajv error', () => {
  assert.deepEqual(
    describeValidationError({ instancePath: '/case', keyword: 'required', params: { missingProperty: 'Subject' } }, 'body'),
    {
      field: 'case.Subject',
      message: 'case.Subject is required',
    },
  );
  assert.deepEqual(
    describeValidationError({ instancePath: '', keyword: 'required', params: { missingProperty: 'idempotency-key' } }, 'headers'),
    {
      field: 'idempotency-key',
      message: 'idempotency-key is required',
    },
  );
  assert.deepEqual(
    describeValidationError({ instancePath: '/case', keyword: 'additionalProperties', params: { additionalProperty: 'OwnerId' } }, 'body'),
    {
      field: 'case.OwnerId',
      message: 'case.OwnerId is not allowed here',
    },
  );
  assert.deepEqual(
    describeValidationError(
      { instancePath: '/case/Subject', keyword: 'maxLength', message: 'must NOT have more than 255 characters', params: {} },
      'body',
    ),
    {
      field: 'case.Subject',
      message: 'case.Subject must NOT have more than 255 characters',
    },
  );
  assert.deepEqual(describeValidationError({ instancePath: '', keyword: 'type', message: 'must be object', params: {} }, 'querystring'), {
    field: 'querystring',
    message: 'querystring must be object',
  });
});
