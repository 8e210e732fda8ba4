import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError } from '@shop/platform';
import { MAX_KEY_LENGTH, parseIdempotencyKey, requestFingerprint } from '../src/index.ts';

function codeOf(header: string | string[] | undefined): string {
  try {
    parseIdempotencyKey(header);
  } catch (error) {
    assert.ok(error instanceof AppError);
    assert.equal(error.status, 400);
    return error.code;
  }
  assert.fail(`${JSON.stringify(header)} was accepted`);
}

describe('parseIdempotencyKey', () => {
  test('when the key is a structured-field string, then it is unquoted and unescaped', () => {
    assert.equal(
      parseIdempotencyKey('"8e03978e-40d5-43e8-bc93-6894a57f9324"'),
      '8e03978e-40d5-43e8-bc93-6894a57f9324',
    );
    assert.equal(parseIdempotencyKey('"a \\"quoted\\" \\\\ key"'), 'a "quoted" \\ key');
  });

  test('when the key is sent bare, as most clients do, then it is the same key as its quoted form', () => {
    for (const bare of ['8e03978e-40d5-43e8-bc93-6894a57f9324', 'KG5LxwFBepaKHyUD', 'a+b/c=', 'order:42']) {
      assert.equal(parseIdempotencyKey(bare), bare);
      assert.equal(parseIdempotencyKey(`"${bare}"`), bare);
    }
  });

  test('when the key is 255 characters, then it is accepted, and 256 is not', () => {
    assert.equal(parseIdempotencyKey('k'.repeat(MAX_KEY_LENGTH)).length, 255);
    assert.equal(parseIdempotencyKey(`"${'k'.repeat(MAX_KEY_LENGTH)}"`).length, 255);
    assert.equal(codeOf('k'.repeat(MAX_KEY_LENGTH + 1)), 'IDEMPOTENCY_ERR_KEY_MALFORMED');
    assert.equal(codeOf(`"${'k'.repeat(MAX_KEY_LENGTH + 1)}"`), 'IDEMPOTENCY_ERR_KEY_MALFORMED');
  });

  test('when the header is missing, then the missing-key problem', () => {
    assert.equal(codeOf(undefined), 'IDEMPOTENCY_ERR_KEY_MISSING');
  });

  const malformed: Array<[string, string | string[]]> = [
    ['empty', ''],
    ['an empty string', '""'],
    ['a bare value with a space', 'two words'],
    ['a bare value with a quote', 'a"b'],
    ['a bare value with a backslash', 'a\\b'],
    ['non-ASCII', 'clé'],
    ['a NUL', 'a\u0000b'],
    ['a quoted string with a NUL', '"a\u0000b"'],
    ['a quoted non-ASCII string', '"clé"'],
    ['unterminated', '"abc'],
    ['with parameters', '"abc";v=1'],
    ['a list of two (a repeated header, joined)', '"a", "b"'],
    ['a repeated header, as an array', ['a', 'b']],
  ];
  for (const [label, header] of malformed) {
    test(`when the key is ${label}, then the malformed-key problem`, () => {
      assert.equal(codeOf(header), 'IDEMPOTENCY_ERR_KEY_MALFORMED');
    });
  }
});

describe('requestFingerprint', () => {
  const base = {
    method: 'POST',
    route: '/orders/:id',
    params: { id: '1' },
    query: {},
    body: { a: 1, b: [1, 2] },
  };

  test('when the body has its keys in another order, then the fingerprint is the same', () => {
    assert.equal(requestFingerprint(base), requestFingerprint({ ...base, body: { b: [1, 2], a: 1 } }));
  });

  for (const [label, change] of [
    ['body', { body: { a: 2, b: [1, 2] } }],
    ['array order', { body: { a: 1, b: [2, 1] } }],
    ['path parameters', { params: { id: '2' } }],
    ['route', { route: '/carts/:id' }],
    ['method', { method: 'PATCH' }],
    ['query', { query: { dryRun: true } }],
  ] as const) {
    test(`when the ${label} differs, then the fingerprint differs`, () => {
      assert.notEqual(requestFingerprint(base), requestFingerprint({ ...base, ...change }));
    });
  }
});
