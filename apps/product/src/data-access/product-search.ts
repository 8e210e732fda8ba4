import type { ProductSearch, RankedProduct, SortKey } from '../domain/catalog-query.ts';
import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';
import { attributesOf } from './product-rows.ts';

interface SearchRow {
  id: string;
  sku: string;
  name: string;
  description: string;
  category: string;
  price_amount: number;
  price_currency: string;
  image_url: string | null;
  attributes: unknown;
  active: boolean;
  version: number;
  created_at: Date;
  updated_at: Date;
  in_stock: boolean;
  rank: number;
}

const RANK = Prisma.sql`ts_rank(p.search_vector, query)`;

// Each order ends on the id, so keys are unique and a keyset never skips or repeats a row.
function ordering(search: ProductSearch): { orderBy: Prisma.Sql; after: (key: SortKey) => Prisma.Sql } {
  switch (search.sort) {
    case 'relevance':
      return {
        orderBy: Prisma.sql`${RANK} DESC, p.id DESC`,
        after: (key) => Prisma.sql`(${RANK}, p.id) < (${key.value}::real, ${key.id}::uuid)`,
      };
    case 'price_asc':
      return {
        orderBy: Prisma.sql`p.price_amount ASC, p.id ASC`,
        after: (key) => Prisma.sql`(p.price_amount, p.id) > (${key.value}::integer, ${key.id}::uuid)`,
      };
    case 'price_desc':
      return {
        orderBy: Prisma.sql`p.price_amount DESC, p.id DESC`,
        after: (key) => Prisma.sql`(p.price_amount, p.id) < (${key.value}::integer, ${key.id}::uuid)`,
      };
    case 'newest':
      return {
        orderBy: Prisma.sql`p.created_at DESC, p.id DESC`,
        after: (key) => Prisma.sql`(p.created_at, p.id) < (${key.value}::timestamptz, ${key.id}::uuid)`,
      };
  }
}

function keyOf(search: ProductSearch, row: SearchRow): SortKey {
  switch (search.sort) {
    case 'relevance':
      return { value: row.rank, id: row.id };
    case 'price_asc':
    case 'price_desc':
      return { value: row.price_amount, id: row.id };
    case 'newest':
      return { value: row.created_at.toISOString(), id: row.id };
  }
}

/** Full-text search (PostgreSQL, weighted and ranked), filters, and keyset pagination in one query. */
export async function searchProducts(prisma: PrismaClient, search: ProductSearch): Promise<RankedProduct[]> {
  const { orderBy, after } = ordering(search);
  const conditions: Prisma.Sql[] = [Prisma.sql`p.active`, Prisma.sql`p.deleted_at IS NULL`];
  if (search.q !== undefined) conditions.push(Prisma.sql`p.search_vector @@ query`);
  if (search.category !== undefined) conditions.push(Prisma.sql`p.category = ${search.category}`);
  if (search.minPrice !== undefined) conditions.push(Prisma.sql`p.price_amount >= ${search.minPrice}`);
  if (search.maxPrice !== undefined) conditions.push(Prisma.sql`p.price_amount <= ${search.maxPrice}`);
  if (search.inStock === true) conditions.push(Prisma.sql`coalesce(s.available, 0) > 0`);
  if (search.inStock === false) conditions.push(Prisma.sql`coalesce(s.available, 0) = 0`);
  if (search.after !== undefined) conditions.push(after(search.after));

  const query =
    search.q === undefined
      ? Prisma.sql`NULL::tsquery`
      : Prisma.sql`websearch_to_tsquery('english', ${search.q})`;
  const rows = await prisma.$queryRaw<SearchRow[]>`
    SELECT p.id, p.sku, p.name, p.description, p.category, p.price_amount, p.price_currency, p.image_url,
           p.attributes, p.active, p.version, p.created_at, p.updated_at,
           coalesce(s.available, 0) > 0 AS in_stock,
           coalesce(${RANK}, 0)::float8 AS rank
      FROM products p
      CROSS JOIN (SELECT ${query} AS query) AS search
      LEFT JOIN stock_levels s ON s.product_id = p.id
     WHERE ${Prisma.join(conditions, ' AND ')}
     ORDER BY ${orderBy}
     LIMIT ${search.limit + 1}`;

  return rows.map((row) => ({
    key: keyOf(search, row),
    product: {
      id: row.id,
      sku: row.sku,
      name: row.name,
      description: row.description,
      category: row.category,
      price: { amount: row.price_amount, currency: row.price_currency },
      imageUrl: row.image_url,
      attributes: attributesOf(row.attributes),
      active: row.active,
      inStock: row.in_stock,
      version: row.version,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    },
  }));
}
