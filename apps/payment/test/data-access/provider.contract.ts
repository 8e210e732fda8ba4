import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { eventually } from '@shop/testing';
import {
  ProviderOutcomeUnknownError,
  ProviderRequestRefusedError,
  type ChargeRequest,
  type PaymentProvider,
  type ProviderCharge,
} from '../../src/domain/provider.ts';

export interface ProviderUnderTest {
  provider: PaymentProvider;
  close(): Promise<void>;
}

const request = (overrides: Partial<ChargeRequest> = {}): ChargeRequest => ({
  idempotencyKey: `pay_${randomUUID()}`,
  reference: `pay_${randomUUID()}`,
  amount: 1_000,
  currency: 'EUR',
  paymentMethod: 'pm_card_visa',
  ...overrides,
});

const refusedWith = (code: string, status: number) => (error: unknown) => {
  assert.ok(error instanceof ProviderRequestRefusedError, `a refusal, not ${String(error)}`);
  assert.deepEqual({ code: error.code, status: error.status }, { code, status });
  return true;
};

/** Everything the charges listing holds in [from, to), page by page (limit 3). */
async function listAll(provider: PaymentProvider, from: Date, to: Date): Promise<ProviderCharge[]> {
  const all: ProviderCharge[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await provider.listCharges({ from, to, limit: 3, ...(cursor ? { cursor } : {}) });
    all.push(...page.charges);
    cursor = page.nextCursor;
    if (cursor === undefined) return all;
  }
  throw new Error('the listing never ended');
}

/**
 * The behaviour every PaymentProvider must have, for the sandbox's test payment methods: run against the
 * in-process memory provider and against the HTTP adapter talking to the real sandbox process.
 */
export function providerContract(name: string, start: () => Promise<ProviderUnderTest>): void {
  describe(`the ${name} provider`, () => {
    let sut: ProviderUnderTest;
    let provider: PaymentProvider;
    before(async () => {
      sut = await start();
      provider = sut.provider;
    });
    after(() => sut.close());

    test('when each test card is charged, then it has its outcome, and reading it back answers the same', async () => {
      const cases = [
        ['pm_card_visa', 'succeeded', undefined],
        ['pm_card_declined', 'failed', 'card_declined'],
        ['pm_card_insufficient_funds', 'failed', 'insufficient_funds'],
        ['pm_card_processing', 'processing', undefined],
      ] as const;
      for (const [paymentMethod, status, failureCode] of cases) {
        const asked = request({ paymentMethod, amount: 4_321, currency: 'USD' });
        const charge = await provider.charge(asked);
        assert.match(charge.id, /^ch_/);
        assert.equal(charge.status, status, paymentMethod);
        assert.equal(charge.failureCode, failureCode, paymentMethod);
        assert.deepEqual(
          [charge.amount, charge.currency, charge.amountRefunded, charge.paymentMethod, charge.reference],
          [4_321, 'USD', 0, paymentMethod, asked.reference],
        );
        assert.ok(charge.createdAt instanceof Date && !Number.isNaN(charge.createdAt.getTime()));
        if (status !== 'processing') assert.deepEqual(await provider.getCharge(charge.id), charge);
      }
      assert.equal(await provider.getCharge('ch_000000000000000000000000'), null);
    });

    test('when an unknown payment method is charged, then it is refused and no charge is made', async () => {
      const from = new Date(Date.now() - 1);
      const asked = request({ paymentMethod: 'pm_card_nonexistent' });
      await assert.rejects(provider.charge(asked), refusedWith('unknown_payment_method', 400));
      const listed = await listAll(provider, from, new Date(Date.now() + 1_000));
      assert.equal(listed.filter((c) => c.reference === asked.reference).length, 0);
    });

    test('when a charge is retried with its key, then the same charge answers; another body with the key is refused', async () => {
      const asked = request();
      const first = await provider.charge(asked);
      assert.deepEqual(await provider.charge({ ...asked }), first);
      await assert.rejects(
        provider.charge({ ...asked, amount: asked.amount + 1 }),
        refusedWith('idempotency_key_reused', 422),
      );
    });

    test('when a processing charge settles, then it reads succeeded and its key answers it succeeded', async () => {
      const asked = request({ paymentMethod: 'pm_card_processing' });
      const first = await provider.charge(asked);
      assert.equal(first.status, 'processing');
      await eventually(
        'the charge settled',
        async () => (await provider.getCharge(first.id))?.status === 'succeeded',
        {
          timeoutMs: 20_000,
          intervalMs: 100,
        },
      );
      assert.deepEqual(await provider.charge(asked), { ...first, status: 'succeeded' });
    });

    test('when pm_card_timeout is charged, then the outcome is unknown, yet a retry with the key finds the one succeeded charge', async () => {
      const from = new Date(Date.now() - 1);
      const asked = request({ paymentMethod: 'pm_card_timeout' });
      await assert.rejects(provider.charge(asked), ProviderOutcomeUnknownError);
      const found = await provider.charge(asked);
      assert.equal(found.status, 'succeeded');
      assert.equal(found.reference, asked.reference);
      const listed = await listAll(provider, from, new Date(Date.now() + 1_000));
      assert.deepEqual(
        listed.filter((c) => c.reference === asked.reference).map((c) => c.id),
        [found.id],
      );
    });

    test('when a charge is refunded in parts, then it never gives back more than it captured', async () => {
      const charge = await provider.charge(request({ amount: 1_000 }));
      const key = `refund_${randomUUID()}`;
      const part = await provider.refund({
        idempotencyKey: key,
        chargeId: charge.id,
        amount: 300,
        reason: 'returned',
      });
      assert.match(part.id, /^re_/);
      assert.deepEqual([part.chargeId, part.amount], [charge.id, 300]);
      assert.deepEqual(
        await provider.refund({ idempotencyKey: key, chargeId: charge.id, amount: 300, reason: 'returned' }),
        part,
      );
      assert.equal((await provider.getCharge(charge.id))?.amountRefunded, 300);
      await assert.rejects(
        provider.refund({ idempotencyKey: randomUUID(), chargeId: charge.id, amount: 701 }),
        refusedWith('amount_too_large', 400),
      );
      const rest = await provider.refund({ idempotencyKey: randomUUID(), chargeId: charge.id, amount: 700 });
      assert.equal(rest.amount, 700);
      assert.equal((await provider.getCharge(charge.id))?.amountRefunded, 1_000);
      await assert.rejects(
        provider.refund({ idempotencyKey: randomUUID(), chargeId: charge.id, amount: 1 }),
        refusedWith('charge_already_refunded', 409),
      );
    });

    test('when a failed or unknown charge is refunded, then it is refused', async () => {
      const declined = await provider.charge(request({ paymentMethod: 'pm_card_declined' }));
      await assert.rejects(
        provider.refund({ idempotencyKey: randomUUID(), chargeId: declined.id, amount: 100 }),
        refusedWith('charge_not_refundable', 409),
      );
      await assert.rejects(
        provider.refund({
          idempotencyKey: randomUUID(),
          chargeId: 'ch_000000000000000000000000',
          amount: 100,
        }),
        refusedWith('resource_missing', 404),
      );
    });

    test('when two refunds of one charge race, then only what it captured is refunded', async () => {
      const charge = await provider.charge(request({ amount: 1_000 }));
      const outcomes = await Promise.allSettled(
        [0, 1].map(() => provider.refund({ idempotencyKey: randomUUID(), chargeId: charge.id, amount: 600 })),
      );
      assert.deepEqual(outcomes.map((o) => o.status).sort(), ['fulfilled', 'rejected']);
      const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      refusedWith('amount_too_large', 400)(refused.reason);
      assert.equal((await provider.getCharge(charge.id))?.amountRefunded, 600);
    });

    test('when charges are listed a page at a time, then each charge of the range comes exactly once, oldest first', async () => {
      const from = new Date(Date.now() - 1);
      const made: string[] = [];
      for (let i = 0; i < 7; i++) made.push((await provider.charge(request())).id);
      const to = new Date(Date.now() + 1);
      const listed = await listAll(provider, from, to);
      // Charges of one millisecond may come in either order; each comes once, none is missing.
      assert.deepEqual(listed.map((c) => c.id).sort(), [...made].sort());
      for (let i = 1; i < listed.length; i++) assert.ok(listed[i - 1]!.createdAt <= listed[i]!.createdAt);
      const none = await provider.listCharges({ from: to, to: new Date(to.getTime() + 60_000) });
      assert.deepEqual(none, { charges: [] });
    });
  });
}
