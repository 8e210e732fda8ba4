import { createServer } from 'node:net';
import type { Server } from 'node:net';

/** Asks the kernel for `count` distinct, currently unused TCP ports on 127.0.0.1. */
export async function findFreePorts(count: number): Promise<number[]> {
  // All probe sockets stay open until every port is known, so the kernel cannot hand out one port twice.
  const servers = await Promise.all(Array.from({ length: count }, () => listenOnAnyPort()));
  const ports = servers.map((server) => {
    const address = server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  if (ports.some((port) => port === 0))
    throw new Error('[testing] Could not read the port of a probe socket.');
  return ports;
}

/** Asks the kernel for a currently unused TCP port on 127.0.0.1. */
export async function findFreePort(): Promise<number> {
  const [port] = await findFreePorts(1);
  return port as number;
}

function listenOnAnyPort(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}
