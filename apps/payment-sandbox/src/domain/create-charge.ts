import type { Charge, NewCharge } from './charge.ts';
import { testCardOf, type TestCard } from './charge.ts';
import { SandboxErrors } from './payment-sandbox.errors.ts';
import type { SandboxDeps, SandboxStore } from './ports.ts';
import { finalEventOf, recordEvent } from './webhook-events.ts';

/** The test card behind a payment method; any other method is refused before anything is recorded. */
export function testCardFor(paymentMethod: string): TestCard {
  const card = testCardOf(paymentMethod);
  if (card === undefined) {
    throw SandboxErrors.unknownPaymentMethod(
      `No such payment method: ${paymentMethod}. Use a test payment method (see the sandbox README).`,
    );
  }
  return card;
}

/**
 * Charges the payment method with the outcome its test card has. A final outcome is reported by webhook at
 * once; a processing charge is given a time to settle, which the settler honours.
 */
export async function createCharge(
  deps: Pick<SandboxDeps, 'newId' | 'now' | 'processingDelayMs'>,
  store: SandboxStore,
  id: string,
  input: NewCharge,
  card: TestCard,
): Promise<Charge> {
  const now = deps.now();
  const charge: Charge = {
    id,
    status: card.status,
    failureCode: card.failureCode ?? null,
    amount: input.amount,
    currency: input.currency,
    amountRefunded: 0,
    paymentMethod: input.paymentMethod,
    reference: input.reference,
    description: input.description ?? null,
    settlesAt: card.status === 'processing' ? new Date(now.getTime() + deps.processingDelayMs) : null,
    createdAt: now,
  };
  await store.charges.insert(charge);
  const event = finalEventOf(charge);
  if (event !== undefined) await recordEvent(store, deps, event, charge, now);
  return charge;
}
