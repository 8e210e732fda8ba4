import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FromChild, ToChild } from './child-protocol.ts';

function send(message: FromChild): void {
  process.send?.(message);
}

function portOf(server: Server): number {
  const address = server.address() as AddressInfo | null;
  if (!address)
    throw new Error('announceListening() was called before the server listens: call it after listen().');
  return address.port;
}

/**
 * Called by a bench server once it listens: tells the harness its port (and that of its operational
 * listener, for /metrics) and answers the harness's CPU-usage queries, so a run can report how busy the
 * server really was.
 */
export function announceListening(server: Server, opsServer?: Server): void {
  if (!process.send) {
    throw new Error(
      'This is a bench server: start it with startChildServer() from bench/lib, or run `npm run bench`.',
    );
  }
  const port = portOf(server);
  const opsPort = opsServer ? portOf(opsServer) : undefined;
  process.on('message', (message: ToChild) => {
    if (message.type !== 'cpu-usage') return;
    const usage = process.cpuUsage();
    send({ type: 'cpu-usage', micros: usage.user + usage.system });
  });
  // The IPC channel must not keep the child alive once its server has closed.
  process.channel?.unref();
  send({ type: 'listening', port, ...(opsPort === undefined ? {} : { opsPort }) });
}
