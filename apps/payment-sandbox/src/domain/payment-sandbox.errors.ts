import { defineError } from '@shop/platform/errors';

export const PaymentSandboxErrors = {
  notFound: defineError('PAYMENT_SANDBOX_ERR_NOT_FOUND', 404, 'No payment sandbox of yours has this id.'),
};
