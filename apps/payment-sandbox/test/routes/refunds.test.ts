import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Service } from '@shop/platform';
import type { ServiceUnderTest } from '@shop/testing';
import { asAccount, newKey, startPaymentSandbox, visaCharge } from '../helper.ts';

let ctx: ServiceUnderTest<Service>;
before(async () => {
  ctx = await startPaymentSandbox({ SANDBOX_PROCESSING_DELAY_MS: '600000' });
});
after(() => ctx.close());

const charged = async (overrides: Record<string, unknown> = {}) =>
  (
    await ctx.http
      .post('/v1/charges')
      .set(asAccount)
      .set('idempotency-key', newKey())
      .send(visaCharge({ amount: 1_000, ...overrides }))
      .expect(201)
  ).body as { id: string };
const refund = (body: Record<string, unknown>, key = newKey()) =>
  ctx.http.post('/v1/refunds').set(asAccount).set('idempotency-key', key).send(body);
const refunded = async (id: string) =>
  (await ctx.http.get(`/v1/charges/${id}`).set(asAccount).expect(200)).body.amountRefunded as number;

test('when a charge is refunded in parts up to its amount, then each refund answers and the charge shows the total', async () => {
  const { id } = await charged();
  const first = await refund({ charge: id, amount: 300, reason: 'one item returned' }).expect(201);
  assert.match(first.body.id, /^re_[0-9a-f]{24}$/);
  assert.deepEqual(
    {
      charge: first.body.charge,
      amount: first.body.amount,
      status: first.body.status,
      reason: first.body.reason,
    },
    { charge: id, amount: 300, status: 'succeeded', reason: 'one item returned' },
  );
  assert.equal(await refunded(id), 300);
  const rest = await refund({ charge: id }).expect(201);
  assert.equal(rest.body.amount, 700, 'no amount: what is left');
  assert.equal(await refunded(id), 1_000);
  const more = await refund({ charge: id, amount: 1 }).expect(409);
  assert.equal(more.body.code, 'PAYMENT_SANDBOX_ERR_CHARGE_ALREADY_REFUNDED');
});

test('when a refund is more than what is left, then 400 and nothing changes', async () => {
  const { id } = await charged();
  await refund({ charge: id, amount: 400 }).expect(201);
  const over = await refund({ charge: id, amount: 601 }).expect(400);
  assert.equal(over.body.code, 'PAYMENT_SANDBOX_ERR_REFUND_TOO_LARGE');
  assert.equal(await refunded(id), 400);
  const [row] = await ctx.sql<{ n: number }>('SELECT count(*)::int AS n FROM refunds WHERE charge_id = $1', [
    id,
  ]);
  assert.equal(row?.n, 1);
});

test('when twenty refunds of one charge race, then together they never exceed its amount', async () => {
  const { id } = await charged();
  const answers = await Promise.all(Array.from({ length: 20 }, () => refund({ charge: id, amount: 150 })));
  const statuses = answers.map((res) => res.status).sort();
  assert.equal(statuses.filter((s) => s === 201).length, 6, statuses.join(','));
  assert.ok(
    statuses.every((s) => s === 201 || s === 400),
    statuses.join(','),
  );
  assert.equal(await refunded(id), 900);
  const [row] = await ctx.sql<{ total: number }>(
    'SELECT coalesce(sum(amount), 0)::int AS total FROM refunds WHERE charge_id = $1',
    [id],
  );
  assert.equal(row?.total, 900);
});

test('when a refund is retried with its key, then the same refund answers; another body with it is 422', async () => {
  const { id } = await charged();
  const key = newKey();
  const first = await refund({ charge: id, amount: 100 }, key).expect(201);
  const again = await refund({ charge: id, amount: 100 }, key).expect(201);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.deepEqual(again.body, first.body);
  await refund({ charge: id, amount: 200 }, key).expect(422);
  assert.equal(await refunded(id), 100);
});

test('when the charge failed, is processing or does not exist, then the refund is refused and nothing is stored', async () => {
  const declined = await charged({ paymentMethod: 'pm_card_declined' });
  const processing = await charged({ paymentMethod: 'pm_card_processing' });
  assert.equal(
    (await refund({ charge: declined.id }).expect(409)).body.code,
    'PAYMENT_SANDBOX_ERR_CHARGE_NOT_REFUNDABLE',
  );
  assert.equal(
    (await refund({ charge: processing.id }).expect(409)).body.code,
    'PAYMENT_SANDBOX_ERR_CHARGE_NOT_REFUNDABLE',
  );
  const missing = await refund({ charge: 'ch_000000000000000000000000' }).expect(404);
  assert.equal(missing.body.code, 'PAYMENT_SANDBOX_ERR_CHARGE_NOT_FOUND');
  for (const body of [
    { charge: declined.id, amount: 0 },
    { charge: 'nope' },
    { charge: declined.id, reason: 'a\u0000' },
    {},
  ]) {
    assert.equal((await refund(body).expect(400)).body.code, 'PLATFORM_ERR_VALIDATION');
  }
  const [row] = await ctx.sql<{ n: number }>(
    'SELECT count(*)::int AS n FROM refunds WHERE charge_id = ANY($1)',
    [[declined.id, processing.id]],
  );
  assert.equal(row?.n, 0);
});
