import type { Caller } from './caller.ts';
import type { Payment, Refund } from './payment.ts';
import { PaymentErrors } from './payment.errors.ts';
import type { PaymentDeps } from './ports.ts';

const mayRead = (caller: Caller, payment: Payment) => caller.admin || payment.customerId === caller.id;

/** A payment its customer or an admin reads; anyone else's answers as not found, so ids cannot be probed. */
export async function getPayment(deps: PaymentDeps, caller: Caller, id: string): Promise<Payment> {
  const found = await deps.payments.findById(id);
  if (found === null || !mayRead(caller, found)) throw PaymentErrors.notFound();
  return found;
}

/** The caller's payments of one order, oldest first (an admin's: everyone's). */
export function listOrderPayments(deps: PaymentDeps, caller: Caller, orderId: string): Promise<Payment[]> {
  return deps.payments.listForOrder(orderId, caller.admin ? undefined : caller.id);
}

/** A payment's refunds, for whoever may read the payment. */
export async function listRefunds(deps: PaymentDeps, caller: Caller, paymentId: string): Promise<Refund[]> {
  const payment = await getPayment(deps, caller, paymentId);
  return deps.payments.refundsOf(payment.id);
}
