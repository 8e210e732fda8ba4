import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Service } from '../../src/index.ts';
import { buildTestService } from '../support/test-service.ts';

let app: Service;

before(async () => {
  ({ app } = await buildTestService(async (service) => {
    service.post('/echo', async (request) => ({ received: request.body }));
  }));
});
after(() => app.close());

const post = (payload: string) =>
  app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload });

describe('JSON request bodies', () => {
  test('when a string or a key escapes a lone UTF-16 surrogate, then 400 malformed JSON, before any handler', async () => {
    for (const payload of [
      '{"name":"lamp \\ud800"}',
      '{"name":"\\udc00 lamp"}',
      '{"tags":[["deep", "\\uDBFF"]]}',
      '{"\\ud800":"key"}',
    ]) {
      const response = await post(payload);
      assert.equal(response.statusCode, 400, payload);
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
      assert.equal(response.json().code, 'PLATFORM_ERR_MALFORMED_JSON');
      assert.match(response.json().detail, /surrogate/);
    }
  });

  test('when escapes form pairs or are escaped backslashes, then the body is parsed as before', async () => {
    assert.deepEqual((await post('{"name":"lamp \\ud83d\\udca1"}')).json().received, { name: 'lamp 💡' });
    assert.deepEqual((await post('{"path":"C:\\\\ud800"}')).json().received, { path: 'C:\\ud800' });
    assert.deepEqual((await post('[1,"two",{"three":3}]')).json().received, [1, 'two', { three: 3 }]);
  });

  test('when a body tries prototype poisoning or is not JSON, then it is refused as before', async () => {
    for (const payload of [
      '{"__proto__":{"admin":true}}',
      '{"constructor":{"prototype":{"admin":true}}}',
      '{"a":',
    ]) {
      const response = await post(payload);
      assert.equal(response.statusCode, 400, payload);
      assert.equal(response.json().code, 'PLATFORM_ERR_MALFORMED_JSON', payload);
    }
  });
});
