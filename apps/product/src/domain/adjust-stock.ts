import { InventoryAdjustedV1 } from '@shop/contracts';
import { invalidateAfterCommit } from './catalog-invalidation.ts';
import { InventoryErrors } from './inventory.errors.ts';
import type { StockLevel } from './inventory.ts';
import type { ProductDeps } from './ports.ts';
import { ProductErrors } from './product.errors.ts';

/** Adds (a delivery) or removes (a count) available units; reserved units are untouchable here. */
export async function adjustStock(deps: ProductDeps, productId: string, delta: number): Promise<StockLevel> {
  return deps.transactions.run(async (uow) => {
    const level = await uow.stock.adjust(productId, delta);
    if (!level) {
      if (!(await uow.stock.level(productId))) throw ProductErrors.notFound();
      throw InventoryErrors.stockBelowZero();
    }
    await uow.publish(InventoryAdjustedV1, productId, { productId, delta, available: level.available });
    const before = level.available - delta;
    if (before > 0 !== level.available > 0) invalidateAfterCommit(uow, deps.cache, [productId]);
    return level;
  });
}
