import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { announceListening } from '../serve-in-child.ts';
import { catalogItemRoutes } from './catalog-item.ts';

// Plain Fastify with the same route and the same response headers, without any platform default: it
// separates what Fastify itself costs from what the platform kit adds on top.
const app = Fastify({ logger: false, requestIdHeader: 'x-request-id', genReqId: () => randomUUID() });
app.addHook('onRequest', async (request, reply) => {
  reply.header('x-request-id', request.id);
  reply.header('x-content-type-options', 'nosniff');
});
await app.register(catalogItemRoutes);

process.once('SIGTERM', () => void app.close());
await app.listen({ host: '127.0.0.1', port: 0 });
announceListening(app.server);
