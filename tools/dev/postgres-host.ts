import { startDevPostgres } from './embedded-postgres.ts';

// node tools/dev/postgres-host.ts <dataDir> <port>: the embedded PostgreSQL of `npm start`, hosted by a
// process that npm start runs in a process group of its own. Ctrl-C in the terminal then reaches the
// services, which drain, but not the database they drain into. npm start stops it last by closing this
// process's stdin, which also happens when npm start itself dies. Prints {"url": ...} once it is up.

const [dataDir, port] = process.argv.slice(2);
if (dataDir === undefined || !Number.isInteger(Number(port))) {
  process.stderr.write('usage: node tools/dev/postgres-host.ts <dataDir> <port>\n');
  process.exit(2);
}

const log = (line: string) => process.stderr.write(`[start] ${line}\n`);
const server = await startDevPostgres({ dataDir, port: Number(port), log }).catch((error: unknown) => {
  log(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);

let stopping: Promise<void> | undefined;
const stop = (): Promise<void> =>
  (stopping ??= server.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`[start] postgres: could not stop cleanly: ${String(error)}\n`);
      process.exit(1);
    },
  ));
process.stdin.on('close', stop).on('end', stop).resume();
process.on('SIGTERM', stop);
// In its own process group it sees no terminal Ctrl-C; a SIGINT sent to it directly still stops it.
process.on('SIGINT', stop);
