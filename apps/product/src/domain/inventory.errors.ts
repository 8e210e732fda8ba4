import { defineError } from '@shop/platform/errors';

export const InventoryErrors = {
  insufficientStock: defineError(
    'INVENTORY_ERR_INSUFFICIENT_STOCK',
    409,
    'Not enough stock for every line; nothing was reserved. See `unavailable` for the lines that cannot be met.',
  ),
  reservationMismatch: defineError(
    'INVENTORY_ERR_RESERVATION_MISMATCH',
    409,
    'This order already holds a reservation with other items; release it first or use the same items.',
  ),
  reservationReleased: defineError(
    'INVENTORY_ERR_RESERVATION_RELEASED',
    409,
    "This order's reservation was released (cancelled or expired) and its stock is gone; place a new order.",
  ),
  reservationCommitted: defineError(
    'INVENTORY_ERR_RESERVATION_COMMITTED',
    409,
    "This order's stock is already sold; it can no longer be released (handle it as a return).",
  ),
  reservationNotFound: defineError(
    'INVENTORY_ERR_RESERVATION_NOT_FOUND',
    404,
    'No stock is reserved for this order id.',
  ),
  stockBelowZero: defineError(
    'INVENTORY_ERR_STOCK_BELOW_ZERO',
    409,
    'The adjustment would take available stock below zero; reserved units cannot be removed.',
  ),
};
