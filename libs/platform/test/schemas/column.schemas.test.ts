import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Type } from 'typebox';
import { Int4, StoredText, StrictRecord, Uuid, type Service } from '../../src/index.ts';
import { buildTestService } from '../support/test-service.ts';

// Through a real service, so the values meet the validator Fastify compiles (Ajv, its options and formats).
let app: Service;

before(async () => {
  ({ app } = await buildTestService(async (service) => {
    service.post(
      '/check',
      {
        schema: {
          body: Type.Object({
            count: Type.Optional(Int4({ minimum: 0, maximum: 10_000_000_000 })),
            text: Type.Optional(StoredText({ maxLength: 10 })),
            name: Type.Optional(StoredText({ nonBlank: true })),
            id: Type.Optional(Uuid()),
            tags: Type.Optional(StrictRecord(Type.String({ pattern: '^[a-z]+$' }), Type.String())),
          }),
        },
      },
      async () => ({ ok: true }),
    );
  }));
});
after(() => app.close());

const status = async (payload: Record<string, unknown>) =>
  (await app.inject({ method: 'POST', url: '/check', payload })).statusCode;

describe('schema blocks for PostgreSQL columns', () => {
  test('when an integer is past int4, then it is refused even where the caller asked for more', async () => {
    assert.equal(await status({ count: 2_147_483_647 }), 200);
    assert.equal(await status({ count: 2_147_483_648 }), 400);
    assert.equal(await status({ count: -1 }), 400, "the caller's own minimum holds");
  });

  test('when text has a NUL, or a non-blank field only white space, then it is refused; other Unicode passes', async () => {
    assert.equal(await status({ text: 'a\u0000b' }), 400);
    assert.equal(await status({ text: 'Ünïcödé 💡' }), 200);
    assert.equal(await status({ text: 'x'.repeat(11) }), 400, "the caller's maxLength holds");
    assert.equal(await status({ name: ' \t\n ' }), 400);
    assert.equal(await status({ name: ' a ' }), 200);
    assert.equal(await status({ name: ' \u0000 ' }), 400);
  });

  test('when a UUID is upper case or a URN, then it is refused', async () => {
    const id = '0b8a3c1e-4d2f-4a6b-9c8d-7e6f5a4b3c2d';
    assert.equal(await status({ id }), 200);
    assert.equal(await status({ id: id.toUpperCase() }), 400);
    assert.equal(await status({ id: `urn:uuid:${id}` }), 400);
  });

  test('when a record key fails the key pattern, then it is refused (a plain Type.Record lets it through)', async () => {
    assert.equal(await status({ tags: { color: 'red' } }), 200);
    assert.equal(await status({ tags: { 'Not A Key': 'red' } }), 400);
    assert.deepEqual(Object.keys(Type.Record(Type.String({ pattern: '^[a-z]+$' }), Type.String())), [
      'type',
      'patternProperties',
    ]);
  });
});
