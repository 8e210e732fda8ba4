import { defineError } from '@shop/platform/errors';

export const CartErrors = {
  productNotFound: defineError(
    'CART_ERR_PRODUCT_NOT_FOUND',
    404,
    'No product has this id (or it was deleted); pick one from the catalog.',
  ),
  productNotSellable: defineError(
    'CART_ERR_PRODUCT_NOT_SELLABLE',
    409,
    'This product is not on sale right now, so it cannot go in the cart.',
  ),
  insufficientStock: defineError(
    'CART_ERR_INSUFFICIENT_STOCK',
    409,
    'Fewer units are available than you asked for; see `available` and ask for at most that many.',
  ),
  tooManyLines: defineError(
    'CART_ERR_TOO_MANY_LINES',
    409,
    'The cart holds as many different products as it may; remove one before adding another.',
  ),
  storeUnavailable: defineError(
    'CART_ERR_STORE_UNAVAILABLE',
    503,
    'Carts cannot be read or changed right now; try again shortly (see Retry-After).',
  ),
};
