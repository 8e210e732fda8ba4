import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asAccount, newKey, startPaymentSandbox, visaCharge } from './helper.ts';

test('when SANDBOX_FAILURE_RATE is 1, then every POST answers 503 with Retry-After and nothing is stored; reads work', async (t) => {
  const ctx = await startPaymentSandbox({ SANDBOX_FAILURE_RATE: '1' });
  t.after(() => ctx.close());
  for (let i = 0; i < 5; i++) {
    const res = await ctx.http
      .post('/v1/charges')
      .set(asAccount)
      .set('idempotency-key', newKey())
      .send(visaCharge())
      .expect(503);
    assert.equal(res.body.code, 'PAYMENT_SANDBOX_ERR_INJECTED_FAILURE');
    assert.equal(res.headers['retry-after'], '1');
  }
  await ctx.http.get('/v1/charges').set(asAccount).expect(200);
  const [charges] = await ctx.sql<{ n: number }>('SELECT count(*)::int AS n FROM charges');
  const [keys] = await ctx.sql<{ n: number }>('SELECT count(*)::int AS n FROM idempotency_keys');
  assert.deepEqual([charges?.n, keys?.n], [0, 0]);
});

test('when SANDBOX_FAILURE_RATE is 0.5, then about half the POSTs fail and exactly the others are charged', async (t) => {
  const ctx = await startPaymentSandbox({ SANDBOX_FAILURE_RATE: '0.5' });
  t.after(() => ctx.close());
  const statuses: number[] = [];
  for (let i = 0; i < 100; i++) {
    const res = await ctx.http
      .post('/v1/charges')
      .set(asAccount)
      .set('idempotency-key', newKey())
      .send(visaCharge());
    statuses.push(res.status);
  }
  const failed = statuses.filter((s) => s === 503).length;
  // Binomial(100, 0.5): outside [20, 80] once in about 10^9 runs.
  assert.ok(failed >= 20 && failed <= 80, `${failed} of 100 failed`);
  assert.equal(statuses.filter((s) => s === 201).length, 100 - failed);
  const [charges] = await ctx.sql<{ n: number }>('SELECT count(*)::int AS n FROM charges');
  assert.equal(charges?.n, 100 - failed);
});

test('when SANDBOX_LATENCY_MS is set, then a caller with a shorter timeout gets no answer; without it, it does', async (t) => {
  const slow = await startPaymentSandbox({ SANDBOX_LATENCY_MS: '1500' });
  const fast = await startPaymentSandbox();
  t.after(async () => {
    await slow.close();
    await fast.close();
  });
  await assert.rejects(
    slow.http.get('/v1/charges').set(asAccount).timeout({ response: 500 }),
    (error: Error & { timeout?: number }) => error.timeout === 500,
  );
  await fast.http.get('/v1/charges').set(asAccount).timeout({ response: 500 }).expect(200);
  // The latency applies to the API only: health checks answer at once.
  await slow.http.get('/health').timeout({ response: 500 }).expect(200);
});
