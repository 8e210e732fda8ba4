import { createServer, type Server } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Answered on the operational listener (and by `inject`) only; the public listener answers 404. */
    operational?: boolean;
  }
  interface FastifyInstance {
    /** The operational listener: the same routes plus the operational ones; runService listens on it. */
    opsServer: Server;
  }
}

// Sockets accepted by a public listener (Fastify's own server). Requests from anywhere else, the
// operational listener or `inject`, are trusted with the operational routes.
const publicSockets = new WeakSet<object>();

/** True when the request arrived on the public listener, the one the Service exposes. */
export function servedPublicly(request: FastifyRequest): boolean {
  return publicSockets.has(request.raw.socket);
}

function notOnPublicListener(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
  if (servedPublicly(request)) reply.callNotFound();
  else done();
}

/**
 * Gives the service a second listener for operational endpoints (`app.opsServer`, a node:http server
 * that hands every request to the same Fastify instance), and makes routes flagged
 * `config: { operational: true }` answer 404 on the public listener (and stay out of the OpenAPI
 * documents). Only those routes pay for the check.
 * The operational listener closes when the service does.
 */
export function addOpsListener(app: FastifyInstance): void {
  const track = (socket: object) => void publicSockets.add(socket);
  app.server.on('connection', track);
  app.server.on('secureConnection', track);

  app.addHook('onRoute', (route) => {
    if (route.config?.operational !== true) return;
    route.onRequest = [notOnPublicListener, ...[route.onRequest ?? []].flat()];
    // Not part of any API document: the public one must not even name it.
    route.schema = { ...route.schema, hide: true };
  });

  const opsServer = createServer((request, response) => app.routing(request, response));
  app.decorate('opsServer', opsServer);
  app.addHook('preClose', (done) => {
    if (!opsServer.listening) return done();
    opsServer.close(() => done());
    opsServer.closeIdleConnections();
  });
}
