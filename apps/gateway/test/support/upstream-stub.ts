import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { findFreePort } from '@shop/testing';

/** What the stub saw of one request that reached it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** How the stub answers a request; the default echoes it as JSON (see {@link echo}). */
export type StubBehaviour = (request: SeenRequest, response: ServerResponse) => void;

/**
 * A service as the gateway sees it: an HTTP server that records every request and, by default, answers
 * 200 with what it received (its name, method, url, headers and body), so a test can check exactly what
 * the gateway forwarded. `stop()` is an outage (the port refuses connections), `start()` brings it back.
 */
export interface UpstreamStub {
  name: string;
  url: string;
  seen: SeenRequest[];
  behave(behaviour: StubBehaviour): void;
  /** The OpenAPI document it serves at /openapi.json. */
  serveDocument(document: unknown): void;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface EchoBody {
  upstream: string;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export const echo =
  (name: string): StubBehaviour =>
  (request, response) => {
    const body: EchoBody = { upstream: name, ...request, body: request.body.toString('utf8') };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

export async function startUpstreamStub(name: string): Promise<UpstreamStub> {
  const port = await findFreePort();
  const seen: SeenRequest[] = [];
  let behaviour = echo(name);
  let document: unknown = { openapi: '3.1.0', info: { title: name, version: '1' }, paths: {} };
  let server: Server | undefined;
  const sockets = new Set<Socket>();

  const listen = async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const seenRequest = {
          method: request.method ?? '',
          url: request.url ?? '',
          headers: request.headers,
          body: Buffer.concat(chunks),
        };
        // Probes and the document are the gateway's housekeeping, not traffic under test.
        if (request.url === '/ready') return void response.writeHead(200).end('{"status":"ready"}');
        if (request.url === '/openapi.json') {
          return void response
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify(document));
        }
        seen.push(seenRequest);
        behaviour(seenRequest, response);
      });
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
  };
  const stop = async () => {
    if (!server) return;
    const closing = new Promise<void>((resolve) => server!.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closing;
    server = undefined;
  };
  await listen();
  const { port: bound } = server!.address() as AddressInfo;
  return {
    name,
    url: `http://127.0.0.1:${bound}`,
    seen,
    behave: (next) => void (behaviour = next),
    serveDocument: (next) => void (document = next),
    stop,
    start: async () => {
      if (!server) await listen();
    },
    close: stop,
  };
}
