/** A charge as the card processor records it; amounts in integer minor units. */
export type ChargeStatus = 'succeeded' | 'failed' | 'processing';
export type FailureCode = 'card_declined' | 'insufficient_funds';

export interface Charge {
  id: string;
  status: ChargeStatus;
  failureCode: FailureCode | null;
  amount: number;
  currency: string;
  amountRefunded: number;
  /** A test payment method token (`pm_...`), never card data. */
  paymentMethod: string;
  reference: string;
  description: string | null;
  /** When a processing charge settles; null once it is final. */
  settlesAt: Date | null;
  createdAt: Date;
}

export interface Refund {
  id: string;
  chargeId: string;
  amount: number;
  reason: string | null;
  createdAt: Date;
}

export interface NewCharge {
  amount: number;
  currency: string;
  paymentMethod: string;
  reference: string;
  description?: string;
}

/** What a test payment method does: its outcome, and whether the answer comes late. */
export interface TestCard {
  status: ChargeStatus;
  failureCode?: FailureCode;
  /** `pm_card_timeout`: the charge is made at once, but the caller hears of it only after the timeout delay. */
  answersLate?: true;
}

export const TEST_CARDS: Readonly<Record<string, TestCard>> = {
  pm_card_visa: { status: 'succeeded' },
  pm_card_declined: { status: 'failed', failureCode: 'card_declined' },
  pm_card_insufficient_funds: { status: 'failed', failureCode: 'insufficient_funds' },
  pm_card_timeout: { status: 'succeeded', answersLate: true },
  pm_card_processing: { status: 'processing' },
};

export function testCardOf(paymentMethod: string): TestCard | undefined {
  return Object.hasOwn(TEST_CARDS, paymentMethod) ? TEST_CARDS[paymentMethod] : undefined;
}

/** The charge as the API answers it and as webhooks carry it. */
export function chargeView(charge: Charge) {
  return {
    id: charge.id,
    status: charge.status,
    ...(charge.failureCode === null ? {} : { failureCode: charge.failureCode }),
    amount: charge.amount,
    currency: charge.currency,
    amountRefunded: charge.amountRefunded,
    paymentMethod: charge.paymentMethod,
    reference: charge.reference,
    ...(charge.description === null ? {} : { description: charge.description }),
    createdAt: charge.createdAt.toISOString(),
  };
}

export type ChargeView = ReturnType<typeof chargeView>;

export function refundView(refund: Refund) {
  return {
    id: refund.id,
    charge: refund.chargeId,
    amount: refund.amount,
    status: 'succeeded' as const,
    ...(refund.reason === null ? {} : { reason: refund.reason }),
    createdAt: refund.createdAt.toISOString(),
  };
}
