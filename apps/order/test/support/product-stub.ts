import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';

/** A product as the stub's lookup answers it. */
export interface StubProduct {
  id: string;
  sku: string;
  name: string;
  price: { amount: number; currency: string };
  imageUrl: string | null;
  sellable: boolean;
  available: number;
}

export interface StubRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** What a test makes the stub answer instead of its default; undefined falls through to the default. */
export type StubAnswer = (request: StubRequest) => { status: number; body?: unknown } | undefined;

export interface ProductStub {
  url: string;
  /** The lookup's catalog: change it to change what the stub answers. */
  products: Map<string, StubProduct>;
  /** Every request received, oldest first. */
  requests: StubRequest[];
  /** Overrides the answers (null restores the defaults). */
  answer(override: StubAnswer | null): void;
  /** Adds a product to the catalog and answers it. */
  add(overrides?: Partial<StubProduct>): StubProduct;
  close(): Promise<void>;
}

/**
 * A stand-in product service for the order service's unit and route tests: the lookup route answers from
 * `products`, the reservation routes answer 201/200, and a test overrides any answer. It refuses a call
 * without a bearer token (what the token holds is checked by the tests that care, and by the real product
 * service in the end-to-end tests: product-service.ts).
 */
export async function startProductStub(): Promise<ProductStub> {
  const products = new Map<string, StubProduct>();
  const requests: StubRequest[] = [];
  let override: StubAnswer | null = null;
  let sequence = 0;
  const app = Fastify();

  const defaultAnswer = (request: StubRequest): { status: number; body?: unknown } => {
    if (!String(request.headers['authorization'] ?? '').startsWith('Bearer ')) {
      return { status: 401, body: { code: 'PLATFORM_ERR_UNAUTHORIZED' } };
    }
    if (request.method === 'POST' && request.url === '/internal/v1/products/lookup') {
      const { ids } = request.body as { ids: string[] };
      return { status: 200, body: { products: ids.flatMap((id) => products.get(id) ?? []) } };
    }
    const reservation = /^\/internal\/v1\/inventory\/reservations\/([^/]+)(\/release)?$/.exec(request.url);
    if (reservation && request.method === 'PUT') {
      const { items } = request.body as { items: unknown[] };
      const expiresAt = new Date(Date.now() + 900_000).toISOString();
      return { status: 201, body: { orderId: reservation[1], status: 'reserved', items, expiresAt } };
    }
    if (reservation?.[2] && request.method === 'POST') {
      const now = new Date().toISOString();
      return {
        status: 200,
        body: { orderId: reservation[1], status: 'released', items: [], expiresAt: now },
      };
    }
    return { status: 404, body: { code: 'PLATFORM_ERR_NOT_FOUND' } };
  };

  app.all('/*', async (req: FastifyRequest, reply: FastifyReply) => {
    const request: StubRequest = { method: req.method, url: req.url, headers: req.headers, body: req.body };
    requests.push(request);
    const { status, body } = override?.(request) ?? defaultAnswer(request);
    const type = status >= 400 ? 'application/problem+json' : 'application/json';
    return reply
      .code(status)
      .type(type)
      .send(body === undefined ? '' : JSON.stringify(body));
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });

  return {
    url,
    products,
    requests,
    answer: (next) => {
      override = next;
    },
    add: (overrides = {}) => {
      sequence += 1;
      const product: StubProduct = {
        id: randomUUID(),
        sku: `STUB-${sequence}`,
        name: `Stub product ${sequence}`,
        price: { amount: 1_250, currency: 'USD' },
        imageUrl: `https://cdn.shop.test/stub-${sequence}.jpg`,
        sellable: true,
        available: 10,
        ...overrides,
      };
      products.set(product.id, product);
      return product;
    },
    close: () => app.close(),
  };
}
