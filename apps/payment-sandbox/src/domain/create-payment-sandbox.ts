import type { PaymentSandboxDeps, NewPaymentSandbox } from './ports.ts';
import type { PaymentSandbox } from './payment-sandbox.ts';

/** Records a new payment sandbox owned by the caller. */
export function createPaymentSandbox(
  deps: PaymentSandboxDeps,
  ownerId: string,
  input: NewPaymentSandbox,
): Promise<PaymentSandbox> {
  return deps.paymentSandboxs.create({
    id: deps.newId(),
    ownerId,
    title: input.title.trim(),
    createdAt: deps.now(),
  });
}
