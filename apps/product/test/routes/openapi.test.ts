import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startProduct, type ProductTestContext } from '../helper.ts';

interface Operation {
  parameters?: unknown[];
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, unknown> }>;
}

// What schemathesis checks of every response against the document (status_code_conformance,
// content_type_conformance), checked here over the whole document at once.
describe('the product OpenAPI document', () => {
  let ctx: ProductTestContext;
  let operations: [string, Operation][];
  before(async () => {
    ctx = await startProduct();
    const document = (await ctx.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    operations = Object.entries(document.paths as Record<string, Record<string, Operation>>).flatMap(
      ([path, methods]) =>
        Object.entries(methods).map(([method, op]): [string, Operation] => [`${method} ${path}`, op]),
    );
  });
  after(() => ctx.close());

  test('when an operation takes parameters or a body, then it documents the 400 that validation answers', () => {
    const validated = operations.filter(([, op]) => (op.parameters?.length ?? 0) > 0 || op.requestBody);
    assert.ok(validated.length >= 10, `found ${validated.length}`);
    assert.deepEqual(
      validated.filter(([, op]) => !op.responses['400']).map(([name]) => name),
      [],
    );
  });

  test('when an operation documents an error status, then its only content type is application/problem+json', () => {
    const errors = operations.flatMap(([name, op]) =>
      Object.entries(op.responses)
        .filter(([status]) => Number(status) >= 400)
        .map(([status, response]) => [`${name} ${status}`, Object.keys(response.content ?? {})] as const),
    );
    assert.ok(errors.length > 20, `found ${errors.length}`);
    assert.deepEqual(
      errors.filter(([, types]) => types.join() !== 'application/problem+json').map(([name]) => name),
      [],
    );
  });
});
