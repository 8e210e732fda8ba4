import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';

/** A JWKS endpoint on 127.0.0.1 whose keys a test can rotate, counting how often it is fetched. */
export async function startJwksServer(keys: JWK[]) {
  const state = { keys, fetches: 0 };
  const server = createServer((request, response) => {
    state.fetches += 1;
    if (request.url !== '/.well-known/jwks.json') return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get fetches() {
      return state.fetches;
    },
    serve(next: JWK[]) {
      state.keys = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
