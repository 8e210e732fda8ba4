import { defineError } from '@shop/platform/errors';

export const OrderErrors = {
  notFound: defineError('ORDER_ERR_NOT_FOUND', 404, 'No order of yours has this id.'),
};
