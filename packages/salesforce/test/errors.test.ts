import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  SalesforceAuthError,
  SalesforceError,
  SalesforceNotFoundError,
  SalesforceRequestLimitError,
  errorFromResponse,
} from '../src/index.js';

describe('errorFromResponse', () => {
  it('reads the REST error array', () => {
    const body = [{ message: 'Owner ID: id value of incorrect type: x', errorCode: 'MALFORMED_ID', fields: ['OwnerId'] }];
    const err = errorFromResponse(400, body);
    assert.equal(err.constructor, SalesforceError);
    assert.equal(err.status, 400);
    assert.equal(err.errorCode, 'MALFORMED_ID');
    assert.deepEqual(err.fields, ['OwnerId']);
    assert.equal(err.body, body);
    assert.match(err.message, /^\[salesforce\] 400 MALFORMED_ID: Owner ID/);
  });

  it('builds the subclasses', () => {
    assert.ok(
      errorFromResponse(400, { error: 'invalid_client', error_description: 'invalid client credentials' }) instanceof SalesforceAuthError,
    );
    assert.equal(
      errorFromResponse(400, { error: 'invalid_grant', error_description: 'authentication failure' }).errorCode,
      'invalid_grant',
    );
    assert.ok(
      errorFromResponse(401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]) instanceof SalesforceAuthError,
    );
    const limit = errorFromResponse(403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    assert.ok(limit instanceof SalesforceRequestLimitError);
    assert.ok(limit instanceof SalesforceError);
    assert.ok(
      errorFromResponse(404, [{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }]) instanceof
        SalesforceNotFoundError,
    );
  });

  it('copes with bodies that are not Salesforce errors', () => {
    const err = errorFromResponse(502, '<html>Bad gateway</html>');
    assert.equal(err.errorCode, 'HTTP_502');
    assert.match(err.message, /Bad gateway/);
    assert.equal(errorFromResponse(500, undefined).errorCode, 'HTTP_500');
  });
});
