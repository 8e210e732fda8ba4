import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { eventually } from '@shop/testing';
import { MemoryPaymentProvider } from '../../src/data-access/memory.provider.ts';
import { ProviderUnavailableError } from '../../src/domain/provider.ts';
import { providerContract } from './provider.contract.ts';

providerContract('memory', async () => {
  const provider = new MemoryPaymentProvider({ processingDelayMs: 200 });
  return { provider, close: async () => provider.close() };
});

test('when the memory provider settles or refunds a charge, then it emits webhooks it verifies itself', async (t) => {
  const deliveries: { rawBody: string; signatureHeader: string }[] = [];
  const provider = new MemoryPaymentProvider({ processingDelayMs: 10, onWebhook: (d) => deliveries.push(d) });
  t.after(() => provider.close());
  const charge = await provider.charge({
    idempotencyKey: randomUUID(),
    reference: 'pay_1',
    amount: 500,
    currency: 'EUR',
    paymentMethod: 'pm_card_processing',
  });
  await eventually('the settlement webhook', () => deliveries.length === 1);
  await provider.refund({ idempotencyKey: randomUUID(), chargeId: charge.id, amount: 200 });
  const events = deliveries.map((d) => provider.verifyWebhook(d.rawBody, d.signatureHeader));
  assert.deepEqual(
    events.map((e) => [e.type, e.charge.id, e.charge.status, e.charge.amountRefunded]),
    [
      ['charge.succeeded', charge.id, 'succeeded', 0],
      ['charge.refunded', charge.id, 'succeeded', 200],
    ],
  );
});

test('when the memory provider is set unavailable, then calls fail as unavailable and change nothing', async () => {
  const provider = new MemoryPaymentProvider();
  provider.setAvailable(false);
  const asked = {
    idempotencyKey: 'k',
    reference: 'pay_2',
    amount: 100,
    currency: 'EUR',
    paymentMethod: 'pm_card_visa',
  };
  await assert.rejects(provider.charge(asked), ProviderUnavailableError);
  provider.setAvailable(true);
  const page = await provider.listCharges({ from: new Date(0), to: new Date(Date.now() + 1_000) });
  assert.deepEqual(page.charges, []);
  assert.equal((await provider.charge(asked)).status, 'succeeded');
});
