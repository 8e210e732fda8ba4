import type { PaymentSandboxDeps } from './ports.ts';
import type { PaymentSandbox } from './payment-sandbox.ts';
import { PaymentSandboxErrors } from './payment-sandbox.errors.ts';

/** The caller's own payment sandbox; someone else's answers as not found, so ids cannot be probed. */
export async function getPaymentSandbox(
  deps: PaymentSandboxDeps,
  ownerId: string,
  id: string,
): Promise<PaymentSandbox> {
  const found = await deps.paymentSandboxs.findOwned(id, ownerId);
  if (!found) throw PaymentSandboxErrors.notFound();
  return found;
}
