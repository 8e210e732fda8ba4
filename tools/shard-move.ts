import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  abortShardMove,
  cleanupShard,
  moveShard,
  parseShardServers,
  ShardMapError,
  ShardMoveError,
  type ShardMoveOptions,
  type ShardServers,
} from '@shop/sharding';

// npm run shard:move -- <shard> <target-server>     moves a logical shard of the order service to another server
// npm run shard:move -- <shard> --abort             undoes an unfinished move of that shard
// npm run shard:cleanup -- <shard> <server>         drops the read-only copy a move left on <server>
// Servers come from ORDER_SHARD_SERVERS, the shard map from ORDER_SHARD_DIRECTORY_URL, as in the service.

const ROOT = join(import.meta.dirname, '..');
const DEFAULT_MIGRATIONS = join(ROOT, 'apps', 'order', 'prisma', 'migrations');

const USAGE = `Usage:
  npm run shard:move -- <shard> <target-server> [--migrations <dir>]   move a shard while it keeps serving
  npm run shard:move -- <shard> --abort                                 undo an unfinished move of the shard
  npm run shard:cleanup -- <shard> <server>                             drop the old read-only copy on <server>

Environment:
  ORDER_SHARD_SERVERS           a=postgres://user:pass@host-a:5432/orders,b=postgres://...  (as the service has it)
  ORDER_SHARD_DIRECTORY_URL     the database holding shard_directory.shard_map
  ORDER_SHARD_COUNT             the logical shard count, as the service has it (default 16)
  ORDER_SHARD_REPLICATION_URLS  optional, same format: how a target server reaches a source server, when that
                                differs from the URLs above (the subscription connects from the target's network)

A move that failed or was interrupted resumes when run again with the same arguments.`;

class UsageError extends Error {}

function progress(command: string, message: string): void {
  process.stderr.write(`[shard:${command}] ${new Date().toISOString().slice(11, 23)} ${message}\n`);
}

// The service's parser, so the tool accepts exactly what the replicas accept; a mistake is a usage error.
function serversFrom(variable: string, text: string | undefined): ShardServers {
  if (text === undefined || text.trim() === '') {
    throw new UsageError(
      `Set ${variable} to the shard servers, e.g. a=postgres://user:pass@host-a:5432/orders,b=...`,
    );
  }
  try {
    return parseShardServers(text, variable);
  } catch (error) {
    if (error instanceof ShardMapError) throw new UsageError(error.message);
    throw error;
  }
}

function shardCountFrom(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const count = Number(text);
  if (!Number.isInteger(count) || count < 1 || count > 256) {
    throw new UsageError(
      `ORDER_SHARD_COUNT is "${text}"; set it as the service has it, an integer from 1 to 256.`,
    );
  }
  return count;
}

function parseShard(text: string | undefined): number {
  if (text === undefined || !/^\d{1,3}$/.test(text)) {
    throw new UsageError(
      `"${text ?? ''}" is not a shard number; give one like 3 (shards are 0 to count - 1).`,
    );
  }
  return Number(text);
}

function moveOptions(command: string, migrations: string | undefined): ShardMoveOptions {
  const directoryUrl = process.env.ORDER_SHARD_DIRECTORY_URL;
  if (directoryUrl === undefined || directoryUrl === '') {
    throw new UsageError(
      'Set ORDER_SHARD_DIRECTORY_URL to the database that holds shard_directory.shard_map.',
    );
  }
  const replication = process.env.ORDER_SHARD_REPLICATION_URLS;
  const shardCount = shardCountFrom(process.env.ORDER_SHARD_COUNT);
  return {
    servers: serversFrom('ORDER_SHARD_SERVERS', process.env.ORDER_SHARD_SERVERS),
    directoryUrl,
    ...(shardCount === undefined ? {} : { shardCount }),
    migrationsDir: migrations === undefined ? DEFAULT_MIGRATIONS : resolve(migrations),
    ...(replication ? { publisherUrls: serversFrom('ORDER_SHARD_REPLICATION_URLS', replication) } : {}),
    log: (message) => progress(command, message),
  };
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      abort: { type: 'boolean' },
      migrations: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, shardText, server, ...extra] = positionals;
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  if ((command !== 'move' && command !== 'cleanup') || extra.length > 0) throw new UsageError('');
  const shard = parseShard(shardText);
  const options = moveOptions(command, values.migrations);
  const started = Date.now();
  if (command === 'cleanup') {
    if (server === undefined || values.abort) throw new UsageError('Name the server to drop the copy from.');
    await cleanupShard(shard, server, options);
  } else if (values.abort) {
    if (server !== undefined) throw new UsageError('--abort takes only the shard.');
    await abortShardMove(shard, options);
  } else {
    if (server === undefined) throw new UsageError('Name the server to move the shard to.');
    const result = await moveShard(shard, server, options);
    progress(
      command,
      `shard ${shard} moved from ${result.from} to ${result.to} (map version ${result.version}); writes were refused ` +
        `for ${result.freezeMs} ms. When nothing reads the old copy: npm run shard:cleanup -- ${shard} ${result.from}`,
    );
  }
  progress(command, `done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message === '' ? '' : `${error.message}\n\n`}${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const known = error instanceof ShardMoveError;
  process.stderr.write(`[shard-move] failed: ${known ? `${error.code}: ` : ''}${(error as Error).message}\n`);
  if (!known) process.stderr.write(`${(error as Error).stack ?? ''}\n`);
  process.exitCode = 1;
});
