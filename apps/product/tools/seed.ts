import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { migrate } from '@shop/database';
import { loadConfig } from '@shop/platform';
import pg from 'pg';
import { Type } from 'typebox';

// npm run seed [-- --count 10000 --seed 42 --if-empty --database-url <url>]: a demo catalog for the product
// service. Deterministic (product n is the same for a given seed whatever the count) and idempotent (upsert
// by SKU; a re-run changes nothing, stock already there is left alone). Uses --database-url,
// PRODUCT_DATABASE_URL or DATABASE_URL; the root `npm run seed` sets PRODUCT_DATABASE_URL to npm start's
// embedded PostgreSQL when none is set. Seeded rows are a bulk load: no product.created.v1 events, and a
// running service's cache is not told.

const APP_DIR = join(import.meta.dirname, '..');
const BATCH = 1_000;
const CURRENCY = 'USD';
const CDN = 'https://cdn.shop.example/images';
// Fixed, so a re-run computes the same creation dates.
const CATALOG_EPOCH = Date.UTC(2025, 10, 1);

interface CategorySpec {
  slug: string;
  code: string;
  nouns: readonly string[];
  adjectives: readonly string[];
  /** Price range in cents. */
  price: readonly [number, number];
  attributes: Readonly<Record<string, readonly string[]>>;
  usage: readonly string[];
}

const COLORS = [
  'black',
  'white',
  'navy',
  'olive',
  'graphite',
  'sand',
  'red',
  'forest green',
  'sky blue',
  'charcoal',
];
const SIZES = ['XS', 'S', 'M', 'L', 'XL', 'XXL'];

const CATEGORIES: readonly CategorySpec[] = [
  {
    slug: 'running-shoes',
    code: 'RUN',
    nouns: ['running shoe', 'trail runner', 'racing flat', 'road shoe'],
    adjectives: ['lightweight', 'cushioned', 'waterproof', 'responsive', 'grippy'],
    price: [4_999, 22_999],
    attributes: { color: COLORS, size: ['38', '39', '40', '41', '42', '43', '44', '45', '46'] },
    usage: ['daily miles', 'race day', 'muddy trails', 'tempo runs'],
  },
  {
    slug: 'sneakers',
    code: 'SNK',
    nouns: ['sneaker', 'low-top', 'high-top', 'court shoe'],
    adjectives: ['classic', 'retro', 'minimal', 'canvas', 'leather'],
    price: [3_999, 17_999],
    attributes: { color: COLORS, size: ['38', '39', '40', '41', '42', '43', '44', '45'] },
    usage: ['city walks', 'weekends', 'everyday wear'],
  },
  {
    slug: 'jackets',
    code: 'JKT',
    nouns: ['rain jacket', 'down jacket', 'softshell', 'windbreaker', 'parka'],
    adjectives: ['packable', 'insulated', 'breathable', 'storm-proof', 'recycled'],
    price: [5_999, 44_999],
    attributes: { color: COLORS, size: SIZES },
    usage: ['alpine weather', 'the commute', 'winter hikes'],
  },
  {
    slug: 't-shirts',
    code: 'TEE',
    nouns: ['t-shirt', 'crew neck tee', 'v-neck tee', 'long-sleeve tee'],
    adjectives: ['organic cotton', 'merino', 'oversized', 'slim fit', 'heavyweight'],
    price: [1_499, 5_999],
    attributes: { color: COLORS, size: SIZES },
    usage: ['everyday wear', 'layering', 'workouts'],
  },
  {
    slug: 'jeans',
    code: 'JNS',
    nouns: ['jeans', 'selvedge denim', 'chinos', 'cargo pants'],
    adjectives: ['straight', 'tapered', 'relaxed', 'stretch', 'raw'],
    price: [3_999, 18_999],
    attributes: { color: ['indigo', 'black', 'stone', 'khaki'], waist: ['28', '30', '32', '34', '36', '38'] },
    usage: ['everyday wear', 'the office', 'weekends'],
  },
  {
    slug: 'backpacks',
    code: 'BPK',
    nouns: ['backpack', 'daypack', 'travel pack', 'laptop bag'],
    adjectives: ['roll-top', 'water-resistant', 'expandable', 'ultralight', 'commuter'],
    price: [2_999, 24_999],
    attributes: { color: COLORS, capacity: ['18 L', '24 L', '30 L', '40 L'] },
    usage: ['the commute', 'weekend trips', 'carry-on travel'],
  },
  {
    slug: 'headphones',
    code: 'HPH',
    nouns: ['headphones', 'earbuds', 'studio monitors', 'gaming headset'],
    adjectives: ['noise-cancelling', 'wireless', 'open-back', 'bass-heavy', 'foldable'],
    price: [1_999, 49_999],
    attributes: {
      color: ['black', 'white', 'silver', 'midnight blue'],
      connectivity: ['Bluetooth 5.3', 'USB-C', '3.5 mm'],
    },
    usage: ['long flights', 'focused work', 'the gym'],
  },
  {
    slug: 'smartphones',
    code: 'PHN',
    nouns: ['smartphone', 'phone', 'flip phone'],
    adjectives: ['5G', 'compact', 'rugged', 'flagship', 'budget'],
    price: [14_999, 139_999],
    attributes: {
      color: ['black', 'silver', 'gold', 'green'],
      storage: ['64 GB', '128 GB', '256 GB', '512 GB'],
    },
    usage: ['photography', 'all-day use', 'travel'],
  },
  {
    slug: 'laptops',
    code: 'LAP',
    nouns: ['laptop', 'ultrabook', 'notebook', '2-in-1'],
    adjectives: ['thin', 'performance', 'convertible', 'fanless', 'creator'],
    price: [49_999, 299_999],
    attributes: { memory: ['8 GB', '16 GB', '32 GB', '64 GB'], screen: ['13"', '14"', '15"', '16"'] },
    usage: ['students', 'video editing', 'the office'],
  },
  {
    slug: 'smartwatches',
    code: 'WCH',
    nouns: ['smartwatch', 'fitness tracker', 'GPS watch'],
    adjectives: ['solar', 'titanium', 'slim', 'dive-rated', 'multisport'],
    price: [4_999, 79_999],
    attributes: { color: ['black', 'silver', 'rose gold'], case: ['40 mm', '44 mm', '47 mm'] },
    usage: ['training', 'sleep tracking', 'outdoor adventures'],
  },
  {
    slug: 'cookware',
    code: 'CKW',
    nouns: ['skillet', 'saucepan', 'dutch oven', 'wok', 'stockpot'],
    adjectives: ['cast iron', 'stainless', 'non-stick', 'enamelled', 'copper-core'],
    price: [1_999, 34_999],
    attributes: { diameter: ['20 cm', '24 cm', '28 cm', '32 cm'] },
    usage: ['weeknight dinners', 'slow braises', 'searing'],
  },
  {
    slug: 'coffee-makers',
    code: 'COF',
    nouns: ['espresso machine', 'pour-over set', 'French press', 'grinder', 'drip brewer'],
    adjectives: ['programmable', 'manual', 'dual-boiler', 'burr', 'compact'],
    price: [2_499, 149_999],
    attributes: { color: ['black', 'steel', 'white'] },
    usage: ['the perfect morning cup', 'small kitchens', 'home baristas'],
  },
  {
    slug: 'lamps',
    code: 'LMP',
    nouns: ['desk lamp', 'floor lamp', 'pendant light', 'reading light'],
    adjectives: ['dimmable', 'LED', 'articulated', 'brass', 'paper'],
    price: [1_999, 39_999],
    attributes: { color: ['black', 'white', 'brass', 'oak'], bulb: ['E27', 'integrated LED'] },
    usage: ['late reading', 'home offices', 'living rooms'],
  },
  {
    slug: 'bedding',
    code: 'BED',
    nouns: ['duvet cover', 'sheet set', 'pillow', 'throw blanket'],
    adjectives: ['linen', 'percale', 'sateen', 'organic', 'weighted'],
    price: [1_999, 29_999],
    attributes: { color: ['white', 'sand', 'sage', 'slate'], size: ['single', 'double', 'queen', 'king'] },
    usage: ['cool nights', 'cosy winters', 'guest rooms'],
  },
  {
    slug: 'board-games',
    code: 'GAM',
    nouns: ['board game', 'card game', 'puzzle', 'strategy game'],
    adjectives: ['cooperative', 'family', 'party', 'two-player', 'legacy'],
    price: [999, 12_999],
    attributes: { players: ['1-4', '2-4', '2-6', '3-8'], age: ['8+', '10+', '12+', '14+'] },
    usage: ['game nights', 'family weekends', 'travel'],
  },
  {
    slug: 'skincare',
    code: 'SKN',
    nouns: ['moisturiser', 'serum', 'cleanser', 'sunscreen', 'face mask'],
    adjectives: ['hydrating', 'fragrance-free', 'vitamin C', 'gentle', 'mineral'],
    price: [799, 8_999],
    attributes: { volume: ['30 ml', '50 ml', '100 ml', '200 ml'] },
    usage: ['sensitive skin', 'daily routines', 'sunny days'],
  },
  {
    slug: 'books',
    code: 'BOK',
    nouns: ['novel', 'cookbook', 'field guide', 'biography', 'atlas'],
    adjectives: ['illustrated', 'bestselling', 'hardcover', 'annotated', 'pocket'],
    price: [699, 5_999],
    attributes: { format: ['hardcover', 'paperback'], language: ['English', 'German', 'French', 'Spanish'] },
    usage: ['long evenings', 'curious minds', 'gifting'],
  },
  {
    slug: 'camping-gear',
    code: 'CMP',
    nouns: ['tent', 'sleeping bag', 'camp stove', 'sleeping pad', 'headlamp'],
    adjectives: ['ultralight', 'four-season', 'freestanding', 'insulated', 'rechargeable'],
    price: [1_999, 69_999],
    attributes: { color: ['orange', 'green', 'grey'], weight: ['450 g', '900 g', '1.6 kg', '2.4 kg'] },
    usage: ['thru-hikes', 'family camping', 'bikepacking'],
  },
  {
    slug: 'cycling',
    code: 'CYC',
    nouns: ['helmet', 'bike light', 'saddle bag', 'cycling jersey', 'floor pump'],
    adjectives: ['aero', 'reflective', 'carbon', 'breathable', 'USB-rechargeable'],
    price: [1_499, 29_999],
    attributes: { color: COLORS, size: ['S', 'M', 'L'] },
    usage: ['night rides', 'gravel roads', 'the commute'],
  },
  {
    slug: 'yoga',
    code: 'YOG',
    nouns: ['yoga mat', 'yoga block', 'strap', 'bolster', 'leggings'],
    adjectives: ['non-slip', 'cork', 'extra-thick', 'travel', 'high-waisted'],
    price: [999, 14_999],
    attributes: { color: ['plum', 'black', 'teal', 'sand'], thickness: ['3 mm', '5 mm', '6 mm'] },
    usage: ['hot yoga', 'daily practice', 'studio classes'],
  },
];

const BRANDS = [
  'Northwind',
  'Fjord & Pine',
  'Aster',
  'Kestrel',
  'Lumen',
  'Halcyon',
  'Orbit',
  'Meridian',
  'Tidewater',
  'Cobalt',
  'Juniper',
  'Sable',
  'Vanta',
  'Wren',
  'Alder',
  'Quill',
];
const FEATURES = [
  'Backed by a two-year warranty.',
  'Designed in-house and tested for a full season.',
  'Ships in plastic-free packaging.',
  'Rated 4.7 out of 5 by our customers.',
  'Made to be repaired, not replaced.',
  'Part of our bestselling line.',
];

export interface SeedProduct {
  id: string;
  sku: string;
  name: string;
  description: string;
  category: string;
  priceAmount: number;
  imageUrl: string;
  attributes: Record<string, string>;
  createdAt: Date;
  stock: number;
}

/** mulberry32: small, fast and seedable; one generator per product keeps product n stable across counts. */
export function random(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const pick = <T>(next: () => number, items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** A UUID derived from the SKU, so every database seeded with the same seed has the same ids. */
function stableId(sku: string): string {
  const hex = createHash('sha256').update(`product:${sku}`).digest('hex');
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Product number `index` (0-based) of the catalog for `seed`. */
export function seedProduct(index: number, seed: number): SeedProduct {
  const next = random(Math.imul(seed, 1_000_003) + index);
  const category = pick(next, CATEGORIES);
  const sku = `${category.code}-${String(index + 1).padStart(6, '0')}`;
  const adjective = pick(next, category.adjectives);
  const noun = pick(next, category.nouns);
  const model =
    next() < 0.5 ? ` ${String.fromCharCode(65 + Math.floor(next() * 26))}${1 + Math.floor(next() * 9)}` : '';
  const [min, max] = category.price;
  // Log-uniform: cheap items are common, expensive ones rare, as in a real catalog; prices end in 99.
  const raw = Math.exp(Math.log(min) + next() * (Math.log(max) - Math.log(min)));
  const priceAmount = Math.max(99, Math.round(raw / 100) * 100 - 1);
  const attributes = Object.fromEntries(
    Object.entries(category.attributes).map(([key, values]) => [key, pick(next, values)]),
  );
  const description =
    `${capitalize(adjective)} ${noun} for ${pick(next, category.usage)}` +
    `${attributes['color'] ? `, in ${attributes['color']}` : ''}. ${pick(next, FEATURES)}`;
  return {
    id: stableId(sku),
    sku,
    name: `${pick(next, BRANDS)} ${adjective} ${noun}${model}`.replace(/\b\w/, (c) => c.toUpperCase()),
    description,
    category: category.slug,
    priceAmount,
    imageUrl: `${CDN}/${category.slug}/${sku.toLowerCase()}.jpg`,
    attributes,
    createdAt: new Date(CATALOG_EPOCH - Math.floor(next() * 365 * 24 * 3600) * 1000),
    // About one in twenty is sold out.
    stock: next() < 0.05 ? 0 : 1 + Math.floor(next() * 200),
  };
}

export interface SeedOptions {
  databaseUrl: string;
  count?: number;
  seed?: number;
  progress?: (message: string) => void;
}

export interface SeedResult {
  inserted: number;
  updated: number;
  unchanged: number;
  seconds: number;
}

const UPSERT = `
  INSERT INTO products (id, sku, name, description, category, price_amount, price_currency, image_url, attributes, created_at, updated_at)
  SELECT id, sku, name, description, category, price_amount, $8, image_url, attributes, created_at, created_at
    FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $9::jsonb[], $10::timestamptz[])
      AS v(id, sku, name, description, category, price_amount, image_url, attributes, created_at)
  ON CONFLICT (sku) DO UPDATE
     SET name = EXCLUDED.name, description = EXCLUDED.description, category = EXCLUDED.category,
         price_amount = EXCLUDED.price_amount, price_currency = EXCLUDED.price_currency, image_url = EXCLUDED.image_url,
         attributes = EXCLUDED.attributes, version = products.version + 1, updated_at = now()
   WHERE (products.name, products.description, products.category, products.price_amount, products.price_currency, products.image_url, products.attributes)
         IS DISTINCT FROM
         (EXCLUDED.name, EXCLUDED.description, EXCLUDED.category, EXCLUDED.price_amount, EXCLUDED.price_currency, EXCLUDED.image_url, EXCLUDED.attributes)
  RETURNING (xmax = 0) AS inserted`;

// Stock already there belongs to the running shop (orders took from it): a re-seed never resets it.
const STOCK = `
  INSERT INTO stock_levels (product_id, available)
  SELECT p.id, v.available FROM unnest($1::text[], $2::int[]) AS v(sku, available) JOIN products p ON p.sku = v.sku
  ON CONFLICT (product_id) DO NOTHING`;

/** Upserts `count` products (default 10,000) into a migrated Product DB, in batches, reporting progress. */
export async function seedCatalog(options: SeedOptions): Promise<SeedResult> {
  const count = options.count ?? 10_000;
  const seed = options.seed ?? 42;
  const progress = options.progress ?? (() => {});
  const started = performance.now();
  const client = new pg.Client({ connectionString: options.databaseUrl, application_name: 'seed' });
  await client.connect();
  const result = { inserted: 0, updated: 0, unchanged: 0 };
  try {
    for (let start = 0; start < count; start += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, count - start) }, (_, i) =>
        seedProduct(start + i, seed),
      );
      await client.query('BEGIN');
      const { rows } = await client.query<{ inserted: boolean }>(UPSERT, [
        batch.map((p) => p.id),
        batch.map((p) => p.sku),
        batch.map((p) => p.name),
        batch.map((p) => p.description),
        batch.map((p) => p.category),
        batch.map((p) => p.priceAmount),
        batch.map((p) => p.imageUrl),
        CURRENCY,
        batch.map((p) => JSON.stringify(p.attributes)),
        batch.map((p) => p.createdAt.toISOString()),
      ]);
      await client.query(STOCK, [batch.map((p) => p.sku), batch.map((p) => p.stock)]);
      await client.query('COMMIT');
      const inserted = rows.filter((row) => row.inserted).length;
      result.inserted += inserted;
      result.updated += rows.length - inserted;
      result.unchanged += batch.length - rows.length;
      progress(`${(start + batch.length).toLocaleString('en-US')}/${count.toLocaleString('en-US')} products`);
    }
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
  return { ...result, seconds: Math.round((performance.now() - started) / 100) / 10 };
}

/** Whether the catalog has no product yet (then `npm start` seeds it). */
export async function catalogIsEmpty(databaseUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'seed' });
  await client.connect();
  try {
    return (await client.query('SELECT 1 FROM products LIMIT 1')).rowCount === 0;
  } finally {
    await client.end();
  }
}

function log(message: string): void {
  process.stderr.write(`[seed] ${message}\n`);
}

const SeedEnv = Type.Object({
  PRODUCT_DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
});

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '10000' },
      seed: { type: 'string', default: '42' },
      'if-empty': { type: 'boolean', default: false },
      'database-url': { type: 'string' },
    },
  });
  const count = Number(values.count);
  const seed = Number(values.seed);
  if (!Number.isSafeInteger(count) || count < 1 || !Number.isSafeInteger(seed)) {
    throw new Error(
      `--count must be a positive integer and --seed an integer (got ${values.count}, ${values.seed}).`,
    );
  }
  const env = loadConfig(SeedEnv);
  const databaseUrl = values['database-url'] || env.PRODUCT_DATABASE_URL || env.DATABASE_URL;
  if (!databaseUrl) {
    throw new Error(
      'No database: pass --database-url postgresql://..., set PRODUCT_DATABASE_URL, or run npm run seed from the repository root (it uses the embedded PostgreSQL of npm start).',
    );
  }
  log('applying pending product migrations ...');
  await migrate({ databaseUrl, migrationsDir: join(APP_DIR, 'prisma', 'migrations') });
  if (values['if-empty'] && !(await catalogIsEmpty(databaseUrl))) {
    log(
      'the catalog already has products; nothing to do (run without --if-empty to upsert the demo catalog).',
    );
    return;
  }
  log(`seeding ${count.toLocaleString('en-US')} products (seed ${seed}) ...`);
  const result = await seedCatalog({ databaseUrl, count, seed, progress: log });
  log(
    `done in ${result.seconds}s: ${result.inserted} inserted, ${result.updated} updated, ${result.unchanged} unchanged.`,
  );
}

if (import.meta.main) {
  main().catch((error: unknown) => {
    log(error instanceof Error ? error.message : String(error));
    log('Check that PostgreSQL is reachable at the URL used, then run npm run seed again.');
    process.exit(1);
  });
}
