import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { glob } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { getKafka, getPostgres, getRedis, stopAllServers } from '@shop/testing';

// npm test [-- <path> ...] [-- <node --test option> ...]: generates the Prisma clients, starts PostgreSQL,
// Redis and Kafka once (unless DATABASE_URL / REDIS_URL / KAFKA_BROKERS point at running ones), runs the
// test files under `node --test`, two at a time, stops what it started and exits with the tests' code.
// Nx runs `node tools/test.ts <projectRoot>` for one project.

const ROOT = resolve(import.meta.dirname, '..');
const ALL_TEST_FILES = [
  'apps/*/test/**/*.test.ts',
  'libs/*/test/**/*.test.ts',
  'libs/*/src/**/*.test.ts',
  'bench/lib/test/**/*.test.ts',
  'tools/test/**/*.test.ts',
  'e2e/test/**/*.test.ts',
  'k8s/test/**/*.test.ts',
];
const PRISMA_GENERATE = join(ROOT, 'tools', 'prisma-generate.ts');
const CHILD_STOP_GRACE_MS = 10_000;
// --test-force-exit: a handle a test leaks must not hang the whole run (and CI) after its tests finished.
const NODE_TEST_OPTIONS = [
  '--test',
  '--test-concurrency=2',
  '--test-reporter=spec',
  '--test-force-exit',
  '--test-timeout=300000',
];

function log(message: string): void {
  process.stderr.write(`[test] ${message}\n`);
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)}s`;
}

async function findTestFiles(paths: string[]): Promise<string[]> {
  const patterns =
    paths.length === 0
      ? ALL_TEST_FILES
      : paths.map((path) => {
          const absolute = [resolve(path), resolve(ROOT, path)].find((candidate) => existsSync(candidate));
          if (absolute === undefined) {
            throw new Error(
              `No such file or directory: ${path}. Pass a project root (libs/cache) or a test file.`,
            );
          }
          const inRoot = relative(ROOT, absolute);
          return statSync(absolute).isDirectory() ? join(inRoot, '**', '*.test.ts') : inRoot;
        });
  const files = new Set<string>();
  for await (const file of glob(patterns, {
    cwd: ROOT,
    exclude: (name) => basename(name) === 'node_modules',
  })) {
    files.add(file);
  }
  return [...files].sort();
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: 'inherit' });
    running = child;
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      running = undefined;
      resolvePromise(code ?? (signal === null ? 1 : 128 + signalNumber(signal)));
    });
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  return { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }[signal as string] ?? 0;
}

async function generatePrismaClients(): Promise<void> {
  if (!existsSync(PRISMA_GENERATE)) return;
  const code = await run(process.execPath, [PRISMA_GENERATE]);
  if (code !== 0) {
    throw new Error(
      'Generating the Prisma clients failed (see above); fix it, then run `npm run prisma:generate`.',
    );
  }
}

/** Starts (or finds through the environment) the three servers in parallel; returns their env vars. */
async function startInfrastructure(): Promise<Record<string, string>> {
  const started = Date.now();
  // Settle all three before reporting, so one run names every missing program at once.
  const [postgres, redis, kafka] = await Promise.allSettled([getPostgres(), getRedis(), getKafka()]);
  if (postgres.status === 'rejected' || redis.status === 'rejected' || kafka.status === 'rejected') {
    const reasons = [postgres, redis, kafka].flatMap((result) =>
      result.status === 'rejected' ? [result.reason] : [],
    );
    throw new Error(
      reasons.map((reason) => (reason instanceof Error ? reason.message : String(reason))).join('\n'),
    );
  }
  log(`infrastructure ready in ${seconds(started)}`);
  return {
    DATABASE_URL: postgres.value.url,
    REDIS_URL: redis.value.url,
    KAFKA_BROKERS: kafka.value.brokers.join(','),
  };
}

let running: ChildProcess | undefined;
let interrupted = false;

let stopping: Promise<void> | undefined;

function stopServers(): Promise<void> {
  stopping ??= (async () => {
    const started = Date.now();
    const stopped = await stopAllServers();
    if (stopped > 0) log(`stopped the ${stopped} server(s) this run started in ${seconds(started)}`);
  })();
  return stopping;
}

function onSignal(signal: NodeJS.Signals): void {
  if (interrupted) {
    log('second interrupt: exiting now; leftover servers are stopped by their watchdogs.');
    process.exit(130);
  }
  interrupted = true;
  log(`${signal}: stopping the test run and the servers it started (press Ctrl-C again to force) ...`);
  const child = running;
  if (child !== undefined) {
    child.kill(signal);
    setTimeout(() => child.kill('SIGKILL'), CHILD_STOP_GRACE_MS).unref();
  }
  void stopServers().finally(() => process.exit(128 + signalNumber(signal)));
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const nodeTestOptions = args.filter((arg) => arg.startsWith('-'));
  const paths = args.filter((arg) => !arg.startsWith('-'));
  const files = await findTestFiles(paths);
  if (files.length === 0) {
    log(
      `no *.test.ts files under ${paths.length === 0 ? 'apps/ or libs/' : paths.join(', ')}; nothing to run.`,
    );
    return 0;
  }
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const [, env] = await Promise.all([generatePrismaClients(), startInfrastructure()]);
  if (interrupted) return 130;
  log(`running ${files.length} test file(s) with DATABASE_URL, REDIS_URL and KAFKA_BROKERS set ...`);
  const code = await run(process.execPath, [...NODE_TEST_OPTIONS, ...nodeTestOptions, ...files], {
    ...process.env,
    ...env,
  });
  await stopServers();
  return code;
}

try {
  process.exitCode = await main();
} catch (error) {
  if (!interrupted) {
    log(`failed:\n${error instanceof Error ? error.message : String(error)}`);
    await stopServers();
    process.exitCode = 1;
  }
}
