import type { PaymentDeps, NewPayment } from './ports.ts';
import type { Payment } from './payment.ts';

/** Records a new payment owned by the caller. */
export function createPayment(deps: PaymentDeps, ownerId: string, input: NewPayment): Promise<Payment> {
  return deps.payments.create({
    id: deps.newId(),
    ownerId,
    title: input.title.trim(),
    createdAt: deps.now(),
  });
}
