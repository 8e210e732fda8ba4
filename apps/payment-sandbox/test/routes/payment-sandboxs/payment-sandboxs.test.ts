import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startPaymentSandbox, type PaymentSandboxTestContext } from '../../helper.ts';

let ctx: PaymentSandboxTestContext;
before(async () => {
  ctx = await startPaymentSandbox();
});
after(() => ctx.close());

const problem = /^application\/problem\+json/;
const customer = (subject = crypto.randomUUID()) => ctx.auth.bearer(['customer'], { subject });

test('when a customer creates a payment sandbox, then they can read it back and it is theirs', async () => {
  const owner = crypto.randomUUID();
  const asOwner = await customer(owner);
  const created = await ctx.http
    .post('/api/v1/payment-sandboxs')
    .set(asOwner)
    .send({ title: '  First  ' })
    .expect(201);
  assert.equal(created.body.title, 'First');
  assert.equal(created.body.ownerId, owner);

  const read = await ctx.http.get(`/api/v1/payment-sandboxs/${created.body.id}`).set(asOwner).expect(200);
  assert.deepEqual(read.body, created.body);
  const [row] = await ctx.sql<{ owner_id: string }>('SELECT owner_id FROM payment_sandboxs WHERE id = $1', [
    created.body.id,
  ]);
  assert.equal(row?.owner_id, owner);
});

test("when another customer asks for someone's payment sandbox, then it is not found", async () => {
  const created = await ctx.http
    .post('/api/v1/payment-sandboxs')
    .set(await customer())
    .send({ title: 'Mine' })
    .expect(201);

  const res = await ctx.http
    .get(`/api/v1/payment-sandboxs/${created.body.id}`)
    .set(await customer())
    .expect(404);
  assert.match(res.headers['content-type'] ?? '', problem);
  assert.equal(res.body.code, 'PAYMENT_SANDBOX_ERR_NOT_FOUND');
});

test('when the request has no token or a bad body, then it is refused with problem+json and nothing is stored', async () => {
  await ctx.http.post('/api/v1/payment-sandboxs').send({ title: 'x' }).expect(401);
  for (const body of [{ title: '' }, { title: 'a\u0000b' }, { title: 'x', extra: 1 }]) {
    const res = await ctx.http
      .post('/api/v1/payment-sandboxs')
      .set(await customer())
      .send(body)
      .expect(400);
    assert.match(res.headers['content-type'] ?? '', problem);
  }
  const [count] = await ctx.sql<{ n: number }>(
    "SELECT count(*)::int AS n FROM payment_sandboxs WHERE title IN ('x', '', 'a')",
  );
  assert.equal(count?.n, 0);
});
