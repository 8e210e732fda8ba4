import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createProduct,
  newProduct,
  outboxEvents,
  problemType,
  startProduct,
  type ProductTestContext,
} from '../../helper.ts';

describe('admin writes: POST, PATCH, DELETE /api/v1/products', () => {
  let ctx: ProductTestContext;
  before(async () => {
    ctx = await startProduct();
  });
  after(() => ctx.close());

  test('when an admin creates a product, then it is stored, readable, and product.created.v1 is in the outbox', async () => {
    const body = newProduct({
      name: 'Trail runner 3000',
      price: { amount: 12_999, currency: 'EUR' },
      stock: 5,
    });
    const res = await ctx.http.post('/api/v1/products').set(ctx.asAdmin).send(body).expect(201);
    assert.equal(res.headers['location'], `/api/v1/products/${res.body.id}`);
    assert.deepEqual(res.body.price, { amount: 12_999, currency: 'EUR' });
    assert.equal(res.body.version, 1);
    assert.equal(res.body.inStock, true);

    const read = await ctx.http.get(`/api/v1/products/${res.body.id}`).expect(200);
    assert.deepEqual(read.body, res.body);

    const [stored] = await ctx.sql<{ price_amount: number; price_currency: string; available: number }>(
      'SELECT p.price_amount, p.price_currency, s.available FROM products p JOIN stock_levels s ON s.product_id = p.id WHERE p.id = $1',
      [res.body.id],
    );
    assert.deepEqual(stored, { price_amount: 12_999, price_currency: 'EUR', available: 5 });

    const events = (await outboxEvents(ctx, 'product.created.v1')).filter((e) => e.key === res.body.id);
    assert.equal(events.length, 1);
    assert.deepEqual(events[0]!.envelope.data, {
      productId: res.body.id,
      sku: body.sku,
      name: 'Trail runner 3000',
      category: body.category,
      price: { amount: 12_999, currency: 'EUR' },
      active: true,
      version: 1,
    });
  });

  test('when a customer tries to write, then it is refused with 403 and nothing changes', async () => {
    const created = await createProduct(ctx);
    const post = await ctx.http.post('/api/v1/products').set(ctx.asCustomer).send(newProduct()).expect(403);
    assert.match(post.headers['content-type']!, problemType);
    assert.equal(post.body.code, 'PLATFORM_ERR_FORBIDDEN');
    await ctx.http
      .patch(`/api/v1/products/${created.id}`)
      .set(ctx.asCustomer)
      .send({ version: 1, name: 'Hacked' })
      .expect(403);
    await ctx.http.delete(`/api/v1/products/${created.id}`).set(ctx.asCustomer).expect(403);
    await ctx.http
      .post(`/api/v1/products/${created.id}/stock-adjustments`)
      .set(ctx.asCustomer)
      .send({ delta: 5 })
      .expect(403);
    const read = await ctx.http.get(`/api/v1/products/${created.id}`).expect(200);
    assert.equal(read.body.name, created.name);
    assert.equal(read.body.version, 1);
  });

  test('when there is no token, then writes are refused with 401 problem+json', async () => {
    const created = await createProduct(ctx);
    const post = await ctx.http.post('/api/v1/products').send(newProduct()).expect(401);
    assert.match(post.headers['content-type']!, problemType);
    assert.equal(post.body.code, 'PLATFORM_ERR_UNAUTHORIZED');
    await ctx.http.patch(`/api/v1/products/${created.id}`).send({ version: 1, name: 'x' }).expect(401);
    await ctx.http.delete(`/api/v1/products/${created.id}`).expect(401);
    const expired = await ctx.auth.token(['admin'], { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    await ctx.http
      .post('/api/v1/products')
      .set('authorization', `Bearer ${expired}`)
      .send(newProduct())
      .expect(401);
  });

  test('when the body is invalid, then the answer is 400 problem+json naming each bad field', async () => {
    const res = await ctx.http
      .post('/api/v1/products')
      .set(ctx.asAdmin)
      .send(
        newProduct({
          sku: 'lower case',
          price: { amount: 19.99, currency: 'usd' },
          imageUrl: 'http://insecure.example/x.png',
        }),
      )
      .expect(400);
    assert.match(res.headers['content-type']!, problemType);
    assert.equal(res.body.code, 'PLATFORM_ERR_VALIDATION');
    const fields = res.body.errors.map((e: { field: string }) => e.field);
    for (const field of ['body.sku', 'body.price.amount', 'body.price.currency', 'body.imageUrl']) {
      assert.ok(
        fields.some((f: string) => f.startsWith(field)),
        `${field} reported in ${JSON.stringify(fields)}`,
      );
    }
    const missing = await ctx.http
      .post('/api/v1/products')
      .set(ctx.asAdmin)
      .send({ name: 'No sku' })
      .expect(400);
    assert.ok(missing.body.errors.some((e: { field: string }) => e.field === 'body.sku'));
    await ctx.http.get('/api/v1/products/not-a-uuid').expect(400);
    await ctx.http
      .patch(`/api/v1/products/${crypto.randomUUID()}`)
      .set(ctx.asAdmin)
      .send({ version: 1 })
      .expect(400);
  });

  test('when the SKU is taken, then the create is refused with 409', async () => {
    const created = await createProduct(ctx);
    const res = await ctx.http
      .post('/api/v1/products')
      .set(ctx.asAdmin)
      .send(newProduct({ sku: created.sku }))
      .expect(409);
    assert.equal(res.body.code, 'PRODUCT_ERR_SKU_TAKEN');
  });

  test('when an admin patches with the current version, then the change is stored, the version moves and product.updated.v1 is emitted', async () => {
    const created = await createProduct(ctx);
    const res = await ctx.http
      .patch(`/api/v1/products/${created.id}`)
      .set(ctx.asAdmin)
      .send({ version: 1, price: { amount: 1499, currency: 'USD' }, name: 'Now cheaper' })
      .expect(200);
    assert.equal(res.body.version, 2);
    assert.equal(res.body.name, 'Now cheaper');
    assert.deepEqual(res.body.price, { amount: 1499, currency: 'USD' });
    const [row] = await ctx.sql<{ version: number; price_amount: number }>(
      'SELECT version, price_amount FROM products WHERE id = $1',
      [created.id],
    );
    assert.deepEqual(row, { version: 2, price_amount: 1499 });
    const events = (await outboxEvents(ctx, 'product.updated.v1')).filter((e) => e.key === created.id);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.envelope.data['version'], 2);
  });

  test('when two admins patch the same version, then exactly one wins and the other gets 409 with the current version', async () => {
    const created = await createProduct(ctx);
    const [a, b] = await Promise.all(
      ['First', 'Second'].map((name) =>
        ctx.http.patch(`/api/v1/products/${created.id}`).set(ctx.asAdmin).send({ version: 1, name }),
      ),
    );
    const statuses = [a!.status, b!.status].sort();
    assert.deepEqual(statuses, [200, 409]);
    const loser = a!.status === 409 ? a! : b!;
    assert.equal(loser.body.code, 'PRODUCT_ERR_VERSION_CONFLICT');
    assert.equal(loser.body.currentVersion, 2);
    const [row] = await ctx.sql<{ version: number }>('SELECT version FROM products WHERE id = $1', [
      created.id,
    ]);
    assert.equal(row!.version, 2);
  });

  test('when an admin deletes a product, then it is gone from reads, kept in the table, and deleting again is harmless', async () => {
    const created = await createProduct(ctx);
    await ctx.http.get(`/api/v1/products/${created.id}`).expect(200);
    await ctx.http.delete(`/api/v1/products/${created.id}`).set(ctx.asAdmin).expect(204);
    const gone = await ctx.http.get(`/api/v1/products/${created.id}`).expect(404);
    assert.equal(gone.body.code, 'PRODUCT_ERR_NOT_FOUND');
    const [row] = await ctx.sql<{ deleted: boolean }>(
      'SELECT deleted_at IS NOT NULL AS deleted FROM products WHERE id = $1',
      [created.id],
    );
    assert.equal(row!.deleted, true);
    await ctx.http.delete(`/api/v1/products/${created.id}`).set(ctx.asAdmin).expect(204);
    assert.equal(
      (await outboxEvents(ctx, 'product.deleted.v1')).filter((e) => e.key === created.id).length,
      1,
    );
    await ctx.http
      .patch(`/api/v1/products/${created.id}`)
      .set(ctx.asAdmin)
      .send({ version: 2, name: 'Back' })
      .expect(404);
    await ctx.http.delete(`/api/v1/products/${crypto.randomUUID()}`).set(ctx.asAdmin).expect(404);
  });

  test('when an admin adjusts stock, then available moves, never below zero, and inventory.adjusted.v1 is emitted', async () => {
    const created = await createProduct(ctx, { stock: 3 });
    const up = await ctx.http
      .post(`/api/v1/products/${created.id}/stock-adjustments`)
      .set(ctx.asAdmin)
      .send({ delta: 7 })
      .expect(200);
    assert.deepEqual(up.body, { productId: created.id, available: 10, reserved: 0 });
    const tooMuch = await ctx.http
      .post(`/api/v1/products/${created.id}/stock-adjustments`)
      .set(ctx.asAdmin)
      .send({ delta: -11 })
      .expect(409);
    assert.equal(tooMuch.body.code, 'INVENTORY_ERR_STOCK_BELOW_ZERO');
    await ctx.http
      .post(`/api/v1/products/${created.id}/stock-adjustments`)
      .set(ctx.asAdmin)
      .send({ delta: 0 })
      .expect(400);
    const events = (await outboxEvents(ctx, 'inventory.adjusted.v1')).filter((e) => e.key === created.id);
    assert.deepEqual(
      events.map((e) => e.envelope.data),
      [{ productId: created.id, delta: 7, available: 10 }],
    );
  });
});
