import type { PaymentDeps } from './ports.ts';
import type { Payment } from './payment.ts';
import { PaymentErrors } from './payment.errors.ts';

/** The caller's own payment; someone else's answers as not found, so ids cannot be probed. */
export async function getPayment(deps: PaymentDeps, ownerId: string, id: string): Promise<Payment> {
  const found = await deps.payments.findOwned(id, ownerId);
  if (!found) throw PaymentErrors.notFound();
  return found;
}
