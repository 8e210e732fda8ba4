import { defineError } from '@shop/platform/errors';

export const OrderErrors = {
  notFound: defineError('ORDER_ERR_NOT_FOUND', 404, 'No order of yours has this id.'),
  emptyOrder: defineError(
    'ORDER_ERR_EMPTY',
    409,
    'Your cart is empty: add products to it (PUT /api/v1/cart/items/{productId}) or send `items`.',
  ),
  duplicateLine: defineError(
    'ORDER_ERR_DUPLICATE_LINE',
    400,
    'A product appears on more than one line; send each product once with its total quantity.',
  ),
  productNotFound: defineError(
    'ORDER_ERR_PRODUCT_NOT_FOUND',
    404,
    'Some products of this order do not exist (see `productIds`); remove them and try again.',
  ),
  productUnavailable: defineError(
    'ORDER_ERR_PRODUCT_UNAVAILABLE',
    409,
    'Some products of this order are no longer on sale (see `productIds`); remove them and try again.',
  ),
  mixedCurrencies: defineError(
    'ORDER_ERR_MIXED_CURRENCIES',
    409,
    'The products of one order must be priced in one currency; split the order by currency.',
  ),
  totalTooLarge: defineError(
    'ORDER_ERR_TOTAL_TOO_LARGE',
    409,
    'The order total is larger than one order can carry; split it into smaller orders.',
  ),
  insufficientStock: defineError(
    'ORDER_ERR_INSUFFICIENT_STOCK',
    409,
    'Not enough stock for some lines (see `unavailable`: what you asked for and what is left); nothing was reserved or charged. Lower the quantities and try again.',
  ),
  notCancellable: defineError(
    'ORDER_ERR_NOT_CANCELLABLE',
    409,
    'Only an order waiting for payment can be cancelled; a paid order is refunded instead.',
  ),
};
