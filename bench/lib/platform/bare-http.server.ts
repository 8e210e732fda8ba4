import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { announceListening } from '../serve-in-child.ts';
import { catalogItem } from './catalog-item.ts';

// The baseline: what a hand-written node:http server does to give the same answer as the platform route
// (route match, request id, nosniff, JSON body, same status and headers); nothing more.
const PRODUCT_PATH = /^\/products\/([0-9]{1,9})$/;
// The platform echoes a short, plain inbound request id and replaces anything else.
const INBOUND_REQUEST_ID = /^[\w.:=+/-]{1,128}$/;

const server = createServer((request, response) => {
  const requestId = request.headers['x-request-id'];
  const keep = typeof requestId === 'string' && INBOUND_REQUEST_ID.test(requestId);
  response.setHeader('x-request-id', keep ? requestId : randomUUID());
  response.setHeader('x-content-type-options', 'nosniff');
  const match = request.method === 'GET' ? PRODUCT_PATH.exec(request.url ?? '') : null;
  if (!match) {
    response.writeHead(404).end();
    return;
  }
  const body = JSON.stringify(catalogItem(match[1]!));
  response.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
});
// Fastify's default, so that both answer the same `keep-alive` header.
server.keepAliveTimeout = 72_000;

process.once('SIGTERM', () => {
  server.close();
  server.closeIdleConnections();
});
server.listen(0, '127.0.0.1', () => announceListening(server));
