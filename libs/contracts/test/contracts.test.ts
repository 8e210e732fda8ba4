import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { Compile } from 'typebox/compile';
import * as contracts from '../src/index.ts';
import type { EventContract } from '../src/index.ts';

const all = Object.values(contracts as Record<string, unknown>).filter(
  (value): value is EventContract =>
    typeof value === 'object' && value !== null && 'type' in value && 'topic' in value && 'schema' in value,
);

test('when the contracts are listed, then there is at least one per producing service', () => {
  assert.deepEqual([...new Set(all.map((contract) => contract.source))].sort(), [
    'order',
    'payment',
    'product',
  ]);
});

test('when a contract is declared, then its type is past tense, versioned and unique', () => {
  const pattern = new RegExp(contracts.EVENT_TYPE_PATTERN);
  for (const { type } of all) assert.match(type, pattern);
  assert.equal(new Set(all.map(({ type }) => type)).size, all.length);
  assert.doesNotMatch('order.placed', pattern, 'an unversioned type is rejected');
  assert.doesNotMatch('Order.Placed.v1', pattern);
});

test('when several contracts share a topic, then one service produces all of them', () => {
  const producerOfTopic = new Map<string, string>();
  for (const { topic, source, type } of all) {
    const producer = producerOfTopic.get(topic) ?? source;
    assert.equal(source, producer, `${type} is on ${topic}, which ${producer} owns`);
    producerOfTopic.set(topic, producer);
  }
});

test('when an envelope carries an event, then it must have a uuid id and an ISO timestamp', () => {
  const envelope = Compile(contracts.EventEnvelopeSchema);
  const valid = {
    id: randomUUID(),
    type: 'order.placed.v1',
    source: 'order',
    subject: 'o-1',
    occurredAt: new Date().toISOString(),
    data: {},
  };
  assert.equal(envelope.Check(valid), true);
  assert.equal(envelope.Check({ ...valid, id: 'not-a-uuid' }), false);
  assert.equal(envelope.Check({ ...valid, occurredAt: 'yesterday' }), false);
  assert.equal(
    envelope.Check({ ...valid, extra: 'tolerated' }),
    true,
    'additive changes do not break old consumers',
  );
});

test('when an order is placed, then money is integer minor units with a currency code', () => {
  const placed = Compile(contracts.OrderPlacedV1.schema);
  const line = { productId: 'p-1', quantity: 2, unitPrice: { amount: 1999, currency: 'EUR' } };
  const data = { orderId: 'o-1', customerId: 'c-1', items: [line], total: { amount: 3998, currency: 'EUR' } };
  assert.equal(placed.Check(data), true);
  assert.equal(placed.Check({ ...data, total: { amount: 39.98, currency: 'EUR' } }), false);
  assert.equal(placed.Check({ ...data, total: { amount: 3998, currency: 'euro' } }), false);
  assert.equal(placed.Check({ ...data, items: [] }), false);
});

test('when a role or access-token claims are checked, then only the roles auth issues and complete claims pass', () => {
  const role = Compile(contracts.RoleSchema);
  assert.deepEqual(
    contracts.ROLES.filter((r) => role.Check(r)),
    ['customer', 'admin'],
  );
  assert.equal(role.Check('superuser'), false);
  const claims = Compile(contracts.AccessTokenClaimsSchema);
  const valid = {
    iss: 'https://auth.shop.local',
    aud: 'shop-api',
    sub: randomUUID(),
    roles: ['customer'],
    jti: randomUUID(),
    iat: 1_790_000_000,
    exp: 1_790_000_900,
  };
  assert.equal(claims.Check(valid), true);
  assert.equal(claims.Check({ ...valid, roles: ['root'] }), false);
  const { jti: _jti, ...withoutJti } = valid;
  assert.equal(claims.Check(withoutJti), false);
});

test('when money is checked, then the currency is an ISO 4217 code and the amount integer minor units', () => {
  const money = Compile(contracts.MoneySchema);
  assert.equal(money.Check({ amount: 1999, currency: 'EUR' }), true);
  assert.equal(money.Check({ amount: 19.99, currency: 'EUR' }), false);
  assert.equal(money.Check({ amount: 1999, currency: 'eur' }), false);
});
