import type { Payment } from './payment.ts';
import type { PaymentDeps } from './ports.ts';
import type { ProviderCharge } from './provider.ts';

export const DIFFERENCE_KINDS = [
  'charge_unknown_to_us',
  'payment_missing_at_provider',
  'status_differs',
  'amount_differs',
  'refunded_differs',
] as const;
export type DifferenceKind = (typeof DIFFERENCE_KINDS)[number];

export interface Difference {
  kind: DifferenceKind;
  paymentId: string | null;
  chargeId: string | null;
  /** What differs, in words, for a person to act on. */
  detail: string;
}

export interface ReconcileRange {
  from: Date;
  to: Date;
  /**
   * Each side is read this much wider than [from, to), so a payment created just before its charge (or a
   * charge just after its payment) still finds its other half at the window's edges.
   */
  marginMs?: number;
  pageSize?: number;
  progress?: (message: string) => void;
}

export interface ReconcileReport {
  charges: number;
  payments: number;
  differences: Difference[];
}

function compare(payment: Payment, charge: ProviderCharge): Difference[] {
  const ids = { paymentId: payment.id, chargeId: charge.id };
  if (payment.status === 'processing') return [];
  const differences: Difference[] = [];
  if (payment.status !== charge.status)
    differences.push({
      kind: 'status_differs',
      ...ids,
      detail: `we have ${payment.status}, the provider has ${charge.status}`,
    });
  if (payment.amount.amount !== charge.amount || payment.amount.currency !== charge.currency)
    differences.push({
      kind: 'amount_differs',
      ...ids,
      detail: `we have ${payment.amount.amount} ${payment.amount.currency}, the provider has ${charge.amount} ${charge.currency}`,
    });
  if (payment.status === 'succeeded' && payment.refundedAmount !== charge.amountRefunded)
    differences.push({
      kind: 'refunded_differs',
      ...ids,
      detail: `we have ${payment.refundedAmount} refunded, the provider has ${charge.amountRefunded}`,
    });
  return differences;
}

/**
 * Compares the provider's charges with our payments over [from, to): a charge of the provider that no
 * payment of ours knows (money taken we never recorded), a payment we think succeeded that the provider has
 * no charge for, and a status, amount or refunded amount that differs. Payments still processing are the
 * completer's, not differences.
 */
export async function reconcile(
  deps: Pick<PaymentDeps, 'payments' | 'provider'>,
  range: ReconcileRange,
): Promise<ReconcileReport> {
  const margin = range.marginMs ?? 5 * 60_000;
  const pageSize = range.pageSize ?? 100;
  const progress = range.progress ?? (() => undefined);
  const wideFrom = new Date(range.from.getTime() - margin);
  const wideTo = new Date(range.to.getTime() + margin);
  const inRange = (at: Date) => at >= range.from && at < range.to;

  const charges = new Map<string, ProviderCharge>();
  let cursor: string | undefined;
  do {
    const page = await deps.provider.listCharges({
      from: wideFrom,
      to: wideTo,
      limit: pageSize,
      ...(cursor === undefined ? {} : { cursor }),
    });
    for (const charge of page.charges) charges.set(charge.reference, charge);
    cursor = page.nextCursor;
    progress(`read ${charges.size} charges from the provider`);
  } while (cursor !== undefined);

  const differences: Difference[] = [];
  const seen = new Set<string>();
  let payments = 0;
  let after: { createdAt: Date; id: string } | undefined;
  for (;;) {
    const page = await deps.payments.createdBetween(
      { from: wideFrom, to: wideTo, ...(after === undefined ? {} : { after }) },
      pageSize,
    );
    for (const payment of page) {
      seen.add(payment.id);
      if (!inRange(payment.createdAt)) continue;
      payments += 1;
      const charge = charges.get(payment.id);
      if (charge !== undefined) differences.push(...compare(payment, charge));
      else if (payment.status === 'succeeded')
        differences.push({
          kind: 'payment_missing_at_provider',
          paymentId: payment.id,
          chargeId: payment.providerChargeId,
          detail: `we have it succeeded for ${payment.amount.amount} ${payment.amount.currency}; the provider has no charge for it`,
        });
    }
    progress(`compared ${payments} payments`);
    if (page.length < pageSize) break;
    const last = page[page.length - 1]!;
    after = { createdAt: last.createdAt, id: last.id };
  }

  let inWindow = 0;
  for (const charge of charges.values()) {
    if (!inRange(charge.createdAt)) continue;
    inWindow += 1;
    if (seen.has(charge.reference)) continue;
    // Outside our wide window (a clock far off) or truly unknown: one look by id decides.
    const payment = /^[0-9a-f-]{36}$/.test(charge.reference)
      ? await deps.payments.findById(charge.reference)
      : null;
    if (payment !== null) {
      differences.push(...compare(payment, charge));
      continue;
    }
    differences.push({
      kind: 'charge_unknown_to_us',
      paymentId: null,
      chargeId: charge.id,
      detail: `the provider has a ${charge.status} charge of ${charge.amount} ${charge.currency} (reference ${charge.reference}) that no payment of ours knows`,
    });
  }
  return { charges: inWindow, payments, differences };
}
