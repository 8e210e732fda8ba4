import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Type } from 'typebox';
import type { Service } from '../../src/index.ts';
import { buildTestService } from '../support/test-service.ts';

let app: Service;

before(async () => {
  ({ app } = await buildTestService(async (service) => {
    service.post(
      '/values',
      {
        schema: {
          body: Type.Object({
            label: Type.Optional(Type.Union([Type.String(), Type.Number()])),
            count: Type.Optional(Type.Integer()),
          }),
          querystring: Type.Object({ page: Type.Optional(Type.Integer()) }),
        },
      },
      async (request) => ({ body: request.body, query: request.query }),
    );
  }));
});
after(() => app.close());

const post = (url: string, payload: unknown) =>
  app.inject({ method: 'POST', url, payload: payload as object });

test('when a JSON body holds a number where a string or a number is allowed, then the handler gets the number', async () => {
  const response = await post('/values', { label: 42 });
  assert.equal(response.statusCode, 200);
  assert.deepEqual(response.json().body, { label: 42 });
});

test('when a JSON body holds a string where an integer is required, then 400, not a coerced number', async () => {
  const response = await post('/values', { count: '5' });
  assert.equal(response.statusCode, 400);
  assert.equal(response.json().code, 'PLATFORM_ERR_VALIDATION');
});

test('when a query string holds an integer, then it is still read as one', async () => {
  const response = await post('/values?page=3', {});
  assert.equal(response.statusCode, 200);
  assert.deepEqual(response.json().query, { page: 3 });
});
