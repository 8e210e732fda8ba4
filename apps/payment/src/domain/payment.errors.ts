import { defineError } from '@shop/platform/errors';

export const PaymentErrors = {
  notFound: defineError('PAYMENT_ERR_NOT_FOUND', 404, 'No payment of yours has this id.'),
  orderNotFound: defineError(
    'PAYMENT_ERR_ORDER_NOT_FOUND',
    404,
    'No order of yours has this id; check the order id, or place the order first.',
  ),
  orderAlreadyPaid: defineError(
    'PAYMENT_ERR_ORDER_ALREADY_PAID',
    409,
    'This order is paid already; read its payment with GET /api/v1/payments?orderId=.',
  ),
  orderNotPayable: defineError(
    'PAYMENT_ERR_ORDER_NOT_PAYABLE',
    409,
    'This order is no longer waiting for a payment (cancelled or expired); place a new order.',
  ),
  orderHasLivePayment: defineError(
    'PAYMENT_ERR_ORDER_HAS_LIVE_PAYMENT',
    409,
    'Another payment of this order is processing or succeeded; read it with GET /api/v1/payments?orderId= before paying again.',
  ),
  paymentMethodRefused: defineError(
    'PAYMENT_ERR_PAYMENT_METHOD_REFUSED',
    422,
    'The card processor does not accept this payment method; use another one (a new Idempotency-Key).',
  ),
  providerUnavailable: defineError(
    'PAYMENT_ERR_PROVIDER_UNAVAILABLE',
    503,
    'The card processor cannot be reached; nothing was charged. Retry with the same Idempotency-Key after Retry-After.',
  ),
  notRefundable: defineError(
    'PAYMENT_ERR_NOT_REFUNDABLE',
    409,
    'Only a succeeded payment can be refunded; read its status with GET /api/v1/payments/:id.',
  ),
  refundExceedsCapture: defineError(
    'PAYMENT_ERR_REFUND_EXCEEDS_CAPTURE',
    409,
    'The refund is more than what is left of the payment; ask for at most the refundable amount.',
  ),
  refundRefused: defineError(
    'PAYMENT_ERR_REFUND_REFUSED',
    409,
    'The card processor refused the refund; nothing was refunded. Read the payment to see what is left.',
  ),
  currencyMismatch: defineError(
    'PAYMENT_ERR_CURRENCY_MISMATCH',
    400,
    "A refund is in the payment's currency; send the amount in minor units of that currency.",
  ),
  webhookRejected: defineError(
    'PAYMENT_ERR_WEBHOOK_REJECTED',
    400,
    'The webhook signature is missing, forged or stale; nothing was changed.',
  ),
  webhookReplayed: defineError(
    'PAYMENT_ERR_WEBHOOK_REPLAYED',
    400,
    'This webhook event was applied already; nothing was changed.',
  ),
};
