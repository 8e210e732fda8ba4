import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { announceListening } from '../serve-in-child.ts';

// The product service as the order service's checkout calls it (the contract of
// apps/order/test/support/product-stub.ts), answering at once so the bench measures only the order path:
// every id looked up is a sellable product with plenty of stock, and every hold is granted. Like the
// stub of the order tests it only checks that a service token is sent, not what it holds.
const RESERVATION = /^\/internal\/v1\/inventory\/reservations\/([^/]+)(\/release)?$/;
const HOLD_MS = 900_000;

function product(id: string) {
  return {
    id,
    sku: `BENCH-${id.slice(0, 8)}`,
    name: `Bench product ${id.slice(0, 8)}`,
    price: { amount: 100 + (Number.parseInt(id.slice(0, 4), 16) % 9_900), currency: 'USD' },
    imageUrl: null,
    sellable: true,
    available: 1_000_000,
  };
}

function answer(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': status >= 400 ? 'application/problem+json' : 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return chunks.length === 0
    ? {}
    : (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
}

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (!request.headers.authorization?.startsWith('Bearer ')) {
    return answer(response, 401, { code: 'PLATFORM_ERR_UNAUTHORIZED' });
  }
  const body = await readJson(request);
  const url = request.url ?? '';
  if (request.method === 'POST' && url === '/internal/v1/products/lookup') {
    return answer(response, 200, { products: (body['ids'] as string[]).map(product) });
  }
  const reservation = RESERVATION.exec(url);
  if (reservation && !reservation[2] && request.method === 'PUT') {
    const expiresAt = new Date(Date.now() + HOLD_MS).toISOString();
    return answer(response, 201, {
      orderId: reservation[1],
      status: 'reserved',
      items: body['items'],
      expiresAt,
    });
  }
  if (reservation?.[2] && request.method === 'POST') {
    const now = new Date().toISOString();
    return answer(response, 200, { orderId: reservation[1], status: 'released', items: [], expiresAt: now });
  }
  answer(response, 404, { code: 'PLATFORM_ERR_NOT_FOUND' });
}

const server = createServer((request, response) => {
  handle(request, response).catch((error: unknown) =>
    answer(response, 400, { code: 'PLATFORM_ERR_BAD_REQUEST', detail: String(error) }),
  );
});
server.keepAliveTimeout = 72_000;
process.once('SIGTERM', () => {
  server.close();
  server.closeIdleConnections();
});
server.listen(0, '127.0.0.1', () => announceListening(server));
