import { defineError } from '@shop/platform/errors';

export const PaymentErrors = {
  notFound: defineError('PAYMENT_ERR_NOT_FOUND', 404, 'No payment of yours has this id.'),
};
