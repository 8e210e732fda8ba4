import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';

// Ports for the test kit's servers come from below the kernel's ephemeral range (ip_local_port_range, where
// every outgoing connection takes its local port). A port the kernel handed out as "free" from that range
// was taken, between the pick and the bind, by one of the many client connections parallel tests open to
// PostgreSQL, Redis and Kafka: a server picked up front (the e2e system picks its six ports before starting
// them) then failed with EADDRINUSE, in CI, in two runs of four. Below the range only listeners compete,
// and each port picked is checked free by binding it.
const LOWEST_PORT = 20_000;
const ATTEMPTS_PER_PORT = 50;

/** The first port of the kernel's ephemeral range (Linux's default when it cannot be read). */
function ephemeralRangeStart(): number {
  try {
    const [start] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const port = Number(start);
    return Number.isInteger(port) ? port : 32_768;
  } catch {
    return 32_768;
  }
}

const HIGHEST_PORT = ephemeralRangeStart() - 1;
// A range that starts too low to leave ports below it: the kernel's own pick is all there is.
const PICKS_PER_PORT = HIGHEST_PORT - LOWEST_PORT >= 1_000 ? ATTEMPTS_PER_PORT : 0;

/** `count` distinct TCP ports on 127.0.0.1 that are free now, below the kernel's ephemeral range. */
export async function findFreePorts(count: number): Promise<number[]> {
  // Every probe stays bound until all ports are known, so one port is never handed out twice.
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i += 1) servers.push(await bindFreePort());
    return servers.map((server) => (server.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/** A TCP port on 127.0.0.1 that is free now, below the kernel's ephemeral range. */
export async function findFreePort(): Promise<number> {
  const [port] = await findFreePorts(1);
  return port as number;
}

async function bindFreePort(): Promise<Server> {
  for (let attempt = 0; attempt < PICKS_PER_PORT; attempt += 1) {
    const port = LOWEST_PORT + Math.floor(Math.random() * (HIGHEST_PORT - LOWEST_PORT + 1));
    const server = await listen(port).catch(() => undefined);
    if (server) return server;
  }
  // Everything tried was taken: let the kernel choose (from its ephemeral range) rather than fail.
  return listen(0);
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(server));
  });
}
