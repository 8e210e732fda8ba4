import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Service } from '@shop/platform';
import type { ServiceUnderTest } from '@shop/testing';
import { asAccount, newKey, startPaymentSandbox, visaCharge } from '../helper.ts';

let ctx: ServiceUnderTest<Service>;
before(async () => {
  ctx = await startPaymentSandbox({ SANDBOX_PROCESSING_DELAY_MS: '300', SANDBOX_TIMEOUT_DELAY_MS: '1500' });
});
after(() => ctx.close());

const problem = /^application\/problem\+json/;
const charge = (body: Record<string, unknown>, key = newKey()) =>
  ctx.http.post('/v1/charges').set(asAccount).set('idempotency-key', key).send(body);
const countCharges = async (where = 'true', values: unknown[] = []) =>
  (await ctx.sql<{ n: number }>(`SELECT count(*)::int AS n FROM charges WHERE ${where}`, values))[0]!.n;

test('when each test card is charged, then the charge has that card outcome and is stored so', async () => {
  const expected = {
    pm_card_visa: ['succeeded', undefined],
    pm_card_declined: ['failed', 'card_declined'],
    pm_card_insufficient_funds: ['failed', 'insufficient_funds'],
    pm_card_processing: ['processing', undefined],
  } as const;
  for (const [paymentMethod, [status, failureCode]] of Object.entries(expected)) {
    const res = await charge(visaCharge({ paymentMethod, amount: 1_234, description: 'Order 42' })).expect(
      201,
    );
    assert.match(res.body.id, /^ch_[0-9a-f]{24}$/);
    assert.equal(res.body.status, status, paymentMethod);
    assert.equal(res.body.failureCode, failureCode, paymentMethod);
    assert.equal(res.body.amount, 1_234);
    assert.equal(res.body.amountRefunded, 0);
    assert.equal(res.body.description, 'Order 42');
    assert.equal(res.headers.location, `/v1/charges/${res.body.id}`);
    const read = await ctx.http.get(`/v1/charges/${res.body.id}`).set(asAccount).expect(200);
    if (status !== 'processing') assert.deepEqual(read.body, res.body);
    const [row] = await ctx.sql<{ status: string }>('SELECT status::text FROM charges WHERE id = $1', [
      res.body.id,
    ]);
    assert.ok(row, `${paymentMethod} stored`);
  }
});

test('when a processing charge is retried with its key after it settled, then the retry answers it succeeded', async () => {
  const key = newKey();
  const body = visaCharge({ paymentMethod: 'pm_card_processing' });
  const first = await charge(body, key).expect(201);
  assert.equal(first.body.status, 'processing');
  let status = 'processing';
  for (let i = 0; i < 200 && status === 'processing'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    status = (await ctx.http.get(`/v1/charges/${first.body.id}`).set(asAccount).expect(200)).body.status;
  }
  assert.equal(status, 'succeeded');
  const retry = await charge(body, key).expect(201);
  assert.equal(retry.headers['idempotent-replayed'], 'true');
  assert.deepEqual(retry.body, { ...first.body, status: 'succeeded' });
  assert.equal(await countCharges('reference = $1', [body.reference]), 1);
});

test('when pm_card_timeout is charged, then the charge succeeds at once and a retry during the late answer finds it', async () => {
  const key = newKey();
  const body = visaCharge({ paymentMethod: 'pm_card_timeout' });
  const late = charge(body, key);
  const lateAnswer = late.then((res) => res);
  let stored: { id: string; status: string } | undefined;
  for (let i = 0; i < 100 && stored === undefined; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    [stored] = await ctx.sql<{ id: string; status: string }>(
      'SELECT id, status::text FROM charges WHERE reference = $1',
      [body.reference],
    );
  }
  assert.equal(stored?.status, 'succeeded', 'recorded before the answer');
  const retry = await charge(body, key).expect(201);
  assert.equal(retry.headers['idempotent-replayed'], 'true');
  assert.equal(retry.body.id, stored?.id);
  assert.equal(retry.body.status, 'succeeded');
  const first = await lateAnswer;
  assert.equal(first.status, 201);
  assert.equal(first.body.id, stored?.id);
  assert.equal(await countCharges('reference = $1', [body.reference]), 1);
});

test('when the same key comes with the same body, then the same charge answers; with another body, 422', async () => {
  const key = newKey();
  const body = visaCharge();
  const first = await charge(body, key).expect(201);
  const again = await charge({ ...body }, key).expect(201);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.deepEqual(again.body, first.body);
  const other = await charge({ ...body, amount: body.amount + 1 }, key).expect(422);
  assert.match(other.headers['content-type'] ?? '', problem);
  assert.equal(other.body.code, 'IDEMPOTENCY_ERR_KEY_REUSED');
  assert.equal(await countCharges('reference = $1', [body.reference]), 1);
});

test('when a charge has no Idempotency-Key, then it is refused with 400 and nothing is stored', async () => {
  const body = visaCharge();
  const res = await ctx.http.post('/v1/charges').set(asAccount).send(body).expect(400);
  assert.equal(res.body.code, 'IDEMPOTENCY_ERR_KEY_MISSING');
  assert.equal(await countCharges('reference = $1', [body.reference]), 0);
});

test('when the body is bad or the payment method unknown, then 400 problem+json and no charge', async () => {
  const before = await countCharges();
  const bad = [
    visaCharge({ amount: 0 }),
    visaCharge({ amount: 100_000_000 }),
    visaCharge({ amount: 12.5 }),
    visaCharge({ amount: 2_147_483_648 }),
    visaCharge({ currency: 'eur' }),
    visaCharge({ paymentMethod: '4242424242424242' }),
    visaCharge({ reference: 'a\u0000b' }),
    visaCharge({ reference: '   ' }),
    visaCharge({ description: 'x'.repeat(1001) }),
    visaCharge({ extra: true }),
    { amount: 100, currency: 'EUR' },
  ];
  for (const body of bad) {
    const res = await charge(body).expect(400);
    assert.match(res.headers['content-type'] ?? '', problem);
    assert.equal(res.body.code, 'PLATFORM_ERR_VALIDATION', JSON.stringify(body));
  }
  const unknown = await charge(visaCharge({ paymentMethod: 'pm_card_unknown' })).expect(400);
  assert.match(unknown.headers['content-type'] ?? '', problem);
  assert.equal(unknown.body.code, 'PAYMENT_SANDBOX_ERR_UNKNOWN_PAYMENT_METHOD');
  assert.equal(await countCharges(), before);
  assert.equal((await ctx.sql<{ n: number }>('SELECT count(*)::int AS n FROM webhook_events'))[0]!.n, 0);
});

test('when the API key is missing or wrong, then 401 and nothing is stored', async () => {
  const before = await countCharges();
  await ctx.http.post('/v1/charges').set('idempotency-key', newKey()).send(visaCharge()).expect(401);
  const res = await ctx.http
    .post('/v1/charges')
    .set('authorization', 'Bearer sk_test_not_the_key_at_all_012345')
    .set('idempotency-key', newKey())
    .send(visaCharge())
    .expect(401);
  assert.equal(res.body.code, 'PAYMENT_SANDBOX_ERR_UNAUTHORIZED');
  await ctx.http.get('/v1/charges').expect(401);
  assert.equal(await countCharges(), before);
});

test('when a charge id does not exist or is malformed, then 404 or 400', async () => {
  const res = await ctx.http.get('/v1/charges/ch_000000000000000000000000').set(asAccount).expect(404);
  assert.equal(res.body.code, 'PAYMENT_SANDBOX_ERR_CHARGE_NOT_FOUND');
  await ctx.http.get('/v1/charges/not-a-charge').set(asAccount).expect(400);
});

test('when charges are listed a page at a time, then every charge of the range comes exactly once, oldest first', async () => {
  const from = new Date();
  const made: string[] = [];
  for (let i = 0; i < 7; i++) made.push((await charge(visaCharge()).expect(201)).body.id);
  const to = new Date(Date.now() + 1);
  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const res = await ctx.http
      .get('/v1/charges')
      .query({
        createdFrom: from.toISOString(),
        createdTo: to.toISOString(),
        limit: 3,
        ...(cursor ? { cursor } : {}),
      })
      .set(asAccount)
      .expect(200);
    seen.push(...res.body.data.map((c: { id: string }) => c.id));
    assert.equal(res.body.hasMore, res.body.nextCursor !== undefined);
    cursor = res.body.nextCursor;
    pages += 1;
  } while (cursor !== undefined);
  assert.deepEqual(seen, made);
  assert.equal(pages, 3);
  const bad = await ctx.http
    .get('/v1/charges')
    .query({ cursor: 'bm90LWEtY3Vyc29y' })
    .set(asAccount)
    .expect(400);
  assert.equal(bad.body.code, 'PAYMENT_SANDBOX_ERR_BAD_CURSOR');
  await ctx.http.get('/v1/charges').query({ limit: 0 }).set(asAccount).expect(400);
  await ctx.http.get('/v1/charges').query({ createdFrom: 'yesterday' }).set(asAccount).expect(400);
});
