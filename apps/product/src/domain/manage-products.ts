import { decodeCursor, encodeCursor, isInstant, isRowId } from './page-cursor.ts';
import type { ProductDeps } from './ports.ts';
import type { ManagedProduct, ProductStatus } from './product.ts';
import { ProductErrors } from './product.errors.ts';

export interface ManagedListRequest {
  status?: ProductStatus;
  limit: number;
  cursor?: string;
}

export interface ManagedProductPage {
  items: ManagedProduct[];
  nextCursor: string | null;
}

type CursorBody = {
  /** The status filter the cursor belongs to ('' for all). */
  s: string;
  u: string;
  i: string;
};

const CURSOR_KEYS = ['s', 'u', 'i'] as const;

/** Any product by id, hidden or deleted too, from the database (never the cache): what an admin manages. */
export async function getManagedProduct(deps: ProductDeps, id: string): Promise<ManagedProduct> {
  const product = await deps.products.findManaged(id);
  if (!product) throw ProductErrors.notFound();
  return product;
}

/**
 * Every product, or those in one status, most recently changed first, in keyset pages: how an admin finds
 * the hidden and deleted products the catalog no longer shows (to put one back on sale, PATCH it active).
 */
export async function listManagedProducts(
  deps: ProductDeps,
  request: ManagedListRequest,
): Promise<ManagedProductPage> {
  const status = request.status ?? '';
  const after = request.cursor === undefined ? undefined : afterCursor(request.cursor, status);
  const rows = await deps.products.listManaged({
    ...(request.status === undefined ? {} : { status: request.status }),
    limit: request.limit,
    ...(after === undefined ? {} : { after }),
  });
  const items = rows.slice(0, request.limit);
  const last = items.at(-1);
  const more = rows.length > request.limit && last !== undefined;
  const cursor: CursorBody | undefined = more ? { s: status, u: last.updatedAt, i: last.id } : undefined;
  return {
    items,
    nextCursor: cursor === undefined ? null : encodeCursor(cursor),
  };
}

function afterCursor(cursor: string, status: string): { updatedAt: string; id: string } {
  const body = decodeCursor(cursor, CURSOR_KEYS);
  if (body.s !== status || !isInstant(body.u) || !isRowId(body.i)) throw ProductErrors.invalidCursor();
  return { updatedAt: body.u, id: body.i };
}
