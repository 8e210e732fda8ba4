import { defineError } from '@shop/platform/errors';

export const SandboxErrors = {
  unauthorized: defineError(
    'PAYMENT_SANDBOX_ERR_UNAUTHORIZED',
    401,
    'Send the secret API key as "Authorization: Bearer <SANDBOX_API_KEY>".',
  ),
  unknownPaymentMethod: defineError(
    'PAYMENT_SANDBOX_ERR_UNKNOWN_PAYMENT_METHOD',
    400,
    'No such payment method; use a test payment method (pm_card_visa, pm_card_declined, ...).',
  ),
  chargeNotFound: defineError('PAYMENT_SANDBOX_ERR_CHARGE_NOT_FOUND', 404, 'No charge has this id.'),
  chargeNotRefundable: defineError(
    'PAYMENT_SANDBOX_ERR_CHARGE_NOT_REFUNDABLE',
    409,
    'Only a succeeded charge can be refunded; a processing one once it has settled.',
  ),
  chargeAlreadyRefunded: defineError(
    'PAYMENT_SANDBOX_ERR_CHARGE_ALREADY_REFUNDED',
    409,
    'This charge is already refunded in full.',
  ),
  refundTooLarge: defineError(
    'PAYMENT_SANDBOX_ERR_REFUND_TOO_LARGE',
    400,
    'The refund is more than what is left of the charge; refund at most its amount less amountRefunded.',
  ),
  badCursor: defineError(
    'PAYMENT_SANDBOX_ERR_BAD_CURSOR',
    400,
    'The cursor is not one this API gave; start again without it.',
  ),
  injectedFailure: defineError(
    'PAYMENT_SANDBOX_ERR_INJECTED_FAILURE',
    503,
    'The sandbox failed this request on purpose (SANDBOX_FAILURE_RATE); nothing was done, retry it.',
  ),
};
