import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { expectAnswer } from '../../src/index.ts';

const answer = Compile(Type.Object({ items: Type.Array(Type.Object({ amount: Type.Integer() })) }));
const what = { upstream: 'product service', call: 'lookup' };

test('when the answer matches its schema, then its body is returned as is', () => {
  const body = { items: [{ amount: 3 }] };
  assert.equal(expectAnswer(answer, { status: 200, headers: {}, body }, what), body);
});

test('when the answer breaks its schema, then a plain Error names the upstream, the call, the status and the field', () => {
  const res = { status: 200, headers: {}, body: { items: [{ amount: 1.5 }] } };
  assert.throws(
    () => expectAnswer(answer, res, what),
    (error: Error) =>
      error.constructor === Error &&
      /^The product service's lookup answer \(200\) does not match its contract \(\/items\/0\/amount /.test(
        error.message,
      ),
  );
});
