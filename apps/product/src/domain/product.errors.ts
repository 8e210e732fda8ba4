import { defineError } from '@shop/platform/errors';

export const ProductErrors = {
  notFound: defineError('PRODUCT_ERR_NOT_FOUND', 404, 'No product has this id; it may have been deleted.'),
  skuTaken: defineError(
    'PRODUCT_ERR_SKU_TAKEN',
    409,
    'Another product already has this SKU; choose another one.',
  ),
  versionConflict: defineError(
    'PRODUCT_ERR_VERSION_CONFLICT',
    409,
    'The product changed since you read it; read it again and reapply your change to the new version.',
  ),
  invalidCursor: defineError(
    'PRODUCT_ERR_INVALID_CURSOR',
    400,
    'The cursor is malformed or belongs to another query; start again from the first page.',
  ),
  invalidQuery: defineError('PRODUCT_ERR_INVALID_QUERY', 400, 'The query is invalid.'),
};
