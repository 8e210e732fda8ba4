import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Type } from 'typebox';
import { defineError, PROBLEM_MEDIA_TYPE, problemResponses, type Service } from '../../src/index.ts';
import { buildTestService } from '../support/test-service.ts';

const outOfStock = defineError('ORDER_ERR_OUT_OF_STOCK', 409, 'Not enough stock for this item.');

let app: Service;

before(async () => {
  ({ app } = await buildTestService(async (service) => {
    service.get(
      '/stock/:sku',
      {
        schema: {
          params: Type.Object({ sku: Type.String({ pattern: '^[A-Z0-9-]+$' }) }),
          response: { 200: Type.Object({ available: Type.Integer() }), ...problemResponses(400, 409) },
        },
      },
      async () => {
        throw outOfStock(undefined, { extensions: { available: 0 } });
      },
    );
  }));
});
after(() => app.close());

describe('problemResponses', () => {
  test('when a route declares problem responses, then the OpenAPI document gives them as application/problem+json only', async () => {
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const responses = document.paths['/stock/{sku}'].get.responses;
    for (const status of ['400', '409']) {
      assert.deepEqual(Object.keys(responses[status].content), [PROBLEM_MEDIA_TYPE], `status ${status}`);
      assert.deepEqual(Object.keys(responses[status].content[PROBLEM_MEDIA_TYPE].schema.properties).sort(), [
        'code',
        'detail',
        'errors',
        'instance',
        'requestId',
        'status',
        'title',
        'type',
      ]);
    }
    assert.match(responses['409'].description, /RFC 9457/);
    assert.deepEqual(Object.keys(responses['200'].content), ['application/json']);
  });

  test('when a declared error is answered, then it is serialized with the problem schema, extensions kept', async () => {
    const conflict = await app.inject({ method: 'GET', url: '/stock/SKU-1' });
    assert.equal(conflict.statusCode, 409);
    assert.match(String(conflict.headers['content-type']), /^application\/problem\+json/);
    assert.equal(conflict.json().code, 'ORDER_ERR_OUT_OF_STOCK');
    assert.equal(conflict.json().available, 0);

    const invalid = await app.inject({ method: 'GET', url: '/stock/lower-case' });
    assert.equal(invalid.statusCode, 400);
    assert.deepEqual(
      invalid.json().errors.map((error: { field: string }) => error.field),
      ['params.sku'],
    );
  });
});
