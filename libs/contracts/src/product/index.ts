export { ProductCreatedV1, ProductDeletedV1, ProductUpdatedV1 } from './product.contracts.ts';
export { StockAdjustedV1, StockCommittedV1 } from './stock.contracts.ts';
