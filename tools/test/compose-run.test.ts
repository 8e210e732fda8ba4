import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  findFreePorts,
  getKafka,
  getRedis,
  KAFKA_VERSION,
  startAppProcess,
  startPostgresServer,
  type AppProcess,
  type LocalPostgresServer,
} from '@shop/testing';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { migrateApps } from '../dev/migrate-apps.ts';
import {
  environmentOf,
  envFromText,
  healthcheckCommand,
  readComposeYaml,
  resolve,
  ROOT,
  type ComposeFile,
} from '../compose/model.ts';
import { createDatabases, findPsql } from '../compose/create-databases.ts';
import { composeSecrets } from '../compose/secrets.ts';

// What compose.yaml's environment really does, without Docker: its two PostgreSQL servers made by the test
// kit and initialised by compose/postgres/create-databases.sh (what the postgres image runs on first start),
// each migrate job's environment given to the migration runner the images' `migrate` runs, and auth and the
// payment sandbox started in production with their compose environment, probed by their compose health
// checks. Compose hostnames become the test servers' 127.0.0.1 ports; nothing else of the environment changes.

/** `env` with each URL's compose host:port replaced by where the test server listens. */
function onTestServers(env: Record<string, string>, hosts: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([name, value]) => [
      name,
      value.replace(
        /(:\/\/(?:[^@/\s,]*@)?)([A-Za-z0-9.-]+):(\d+)/g,
        (whole, prefix: string, host: string, port: string) =>
          hosts[`${host}:${port}`] ? `${prefix}${hosts[`${host}:${port}`]}` : whole,
      ),
    ]),
  );
}

describe('compose.yaml run against the test servers', () => {
  let model: ComposeFile;
  const servers: Record<string, LocalPostgresServer> = {};
  const hosts: Record<string, string> = {};
  const apps: AppProcess[] = [];

  before(async () => {
    const envText = (await composeSecrets(await readFile(join(ROOT, '.env.example'), 'utf8'))).text;
    model = resolve(await readComposeYaml('compose.yaml'), envFromText(envText));
    const [a, b] = await Promise.all([startPostgresServer(), startPostgresServer()]);
    servers['postgres'] = a;
    servers['postgres-orders-b'] = b;
    for (const [name, server] of Object.entries(servers)) hosts[`${name}:5432`] = new URL(server.url).host;
  });
  after(async () => {
    await Promise.allSettled(apps.map((app) => app.dispose()));
    await Promise.allSettled(Object.values(servers).map((server) => server.stop()));
  });

  it("when create-databases.sh initialises each server with its compose environment, then every service's URL logs in as its own role, owning its database", async () => {
    const psql = findPsql();
    for (const [name, server] of Object.entries(servers)) {
      const result = createDatabases(model, name, server.url, psql);
      assert.equal(result.status, 0, `${name}: ${result.stderr}`);
    }
    const urls = Object.values(model.services).flatMap((service) =>
      Object.values(onTestServers(environmentOf(service), hosts)).flatMap(
        (value) => value.match(/postgres:\/\/[^,\s]+/g) ?? [],
      ),
    );
    assert.ok(urls.length >= 10, `the compose file's database URLs: ${urls.length}`);
    for (const url of new Set(urls)) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query<{ user: string; owner: string }>(
          'SELECT current_user AS user, pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = current_database()',
        );
        assert.equal(
          rows[0]?.owner,
          rows[0]?.user,
          `${new URL(url).pathname}: owned by the role that logs in`,
        );
        assert.equal(rows[0]?.user, new URL(url).username);
      } finally {
        await client.end();
      }
    }
  });

  it("when each migrate job's environment is given to the migration runner, then every database and all 16 order shards are migrated", async () => {
    const lines: string[] = [];
    for (const job of [
      'auth-migrate',
      'product-migrate',
      'payment-migrate',
      'payment-sandbox-migrate',
      'order-migrate',
    ]) {
      const env = onTestServers(environmentOf(model.services[job]!), hosts);
      await migrateApps({
        root: ROOT,
        requested: [job.replace(/-migrate$/, '')],
        env,
        log: (line) => lines.push(line),
      });
    }
    const shards = async (server: LocalPostgresServer) => {
      const url = new URL(server.url);
      url.pathname = '/shop_orders';
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        const { rows } = await client.query<{ name: string }>(
          "SELECT nspname AS name FROM pg_namespace WHERE nspname LIKE 'orders\\_s%' ORDER BY 1",
        );
        return rows.map((row) => row.name);
      } finally {
        await client.end();
      }
    };
    const a = await shards(servers['postgres']!);
    const b = await shards(servers['postgres-orders-b']!);
    const range = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => `orders_s${String(from + i).padStart(2, '0')}`);
    // The shard map a:0-7,b:8-15 of ORDER_SHARD_INITIAL_MAP.
    assert.deepEqual(
      a.filter((s) => /^orders_s\d+$/.test(s)),
      range(0, 7),
      lines.join('\n'),
    );
    assert.deepEqual(
      b.filter((s) => /^orders_s\d+$/.test(s)),
      range(8, 15),
      lines.join('\n'),
    );
  });

  it('when auth and the payment sandbox start in production with their compose environment, then their compose health checks pass, and fail once they stop', async () => {
    const redis = await getRedis();
    const redisHost = new URL(redis.url).host;
    for (const name of ['auth', 'payment-sandbox']) {
      const service = model.services[name]!;
      const env = onTestServers(environmentOf(service), hosts);
      // The test kit's Redis has no password: the one change besides host and port.
      if (env['REDIS_URL']) env['REDIS_URL'] = `redis://${redisHost}`;
      const app = await startAppProcess({ app: name, env: { ...env, OTEL_TRACES_EXPORTER: 'none' } });
      apps.push(app);
      const [kind, program, ...args] = healthcheckCommand(service)!;
      assert.equal(kind, 'CMD');
      const composePort = /127\.0\.0\.1:(\d+)/.exec(args.join(' '))![1]!;
      const probe = () =>
        spawnSync(
          program === 'node' ? process.execPath : program!,
          args.map((arg) => arg.replace(`127.0.0.1:${composePort}`, new URL(app.url).host)),
          {
            encoding: 'utf8',
            timeout: 30_000,
          },
        ).status;
      assert.equal(probe(), 0, `${name}: its health check against the running service`);
      await app.stop();
      assert.equal(probe(), 1, `${name}: its health check once the service stopped`);
    }
  });
});

/** The apache/kafka image's reading of its environment: KAFKA_FOO_BAR is foo.bar (`__` is `_`, `___` is `-`). */
function kafkaProperties(env: Record<string, string>): Record<string, string> {
  const notSettings = new Set([
    'KAFKA_HEAP_OPTS',
    'KAFKA_OPTS',
    'KAFKA_JVM_PERFORMANCE_OPTS',
    'KAFKA_LOG4J_OPTS',
  ]);
  return Object.fromEntries(
    Object.entries(env)
      .filter(([name]) => name.startsWith('KAFKA_') && !notSettings.has(name))
      .map(([name, value]) => [
        name
          .slice('KAFKA_'.length)
          .toLowerCase()
          .replaceAll('___', '-')
          .replaceAll('__', '\0')
          .replaceAll('_', '.')
          .replaceAll('\0', '_'),
        value,
      ]),
  );
}

describe("compose.yaml's Kafka settings run by Kafka itself", () => {
  it(`when Kafka ${KAFKA_VERSION} formats and starts with the kafka service's settings, then a client on the services' listener creates a topic`, async () => {
    // The test kit's Kafka jars (fetched once from Maven Central) and Java, the same version compose pins.
    await getKafka();
    const libs = join(ROOT, '.cache', 'kafka', KAFKA_VERSION, 'libs');
    assert.ok(
      existsSync(libs),
      `no Kafka jars in ${libs}: run npm test once without KAFKA_BROKERS so the test kit fetches them`,
    );
    const envText = (await composeSecrets(await readFile(join(ROOT, '.env.example'), 'utf8'))).text;
    const kafka = resolve(await readComposeYaml('compose.yaml'), envFromText(envText)).services['kafka']!;
    const env = environmentOf(kafka);
    assert.match(kafka.image ?? '', new RegExp(`^apache/kafka:${KAFKA_VERSION.replaceAll('.', '\\.')}$`));
    const dir = await mkdtemp(join(tmpdir(), 'shop-compose-kafka-'));
    const [internal, controller, external] = await findFreePorts(3);
    const moved = (text: string) =>
      text
        .replaceAll('kafka:9092', `127.0.0.1:${internal}`)
        .replaceAll('kafka:9093', `127.0.0.1:${controller}`)
        .replaceAll('localhost:9094', `127.0.0.1:${external}`)
        .replaceAll('://:9092', `://127.0.0.1:${internal}`)
        .replaceAll('://:9093', `://127.0.0.1:${controller}`)
        .replaceAll('://:9094', `://127.0.0.1:${external}`);
    const properties = Object.entries(kafkaProperties(env)).map(([key, value]) =>
      key === 'log.dirs' ? `${key}=${join(dir, 'data')}` : `${key}=${moved(value)}`,
    );
    const config = join(dir, 'server.properties');
    await writeFile(config, `${properties.join('\n')}\n`);
    const java = ['-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-cp', join(libs, '*')];
    const format = spawnSync(
      'java',
      [...java, 'kafka.tools.StorageTool', 'format', `--cluster-id=${env['CLUSTER_ID']}`, '--config', config],
      {
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    assert.equal(format.status, 0, `kafka-storage format: ${format.stderr}${format.stdout}`);
    const broker = spawn('java', [...java, 'kafka.Kafka', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    broker.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const admin = new Kafka({
        brokers: [`127.0.0.1:${internal}`],
        logLevel: logLevel.NOTHING,
        retry: { retries: 30, initialRetryTime: 500, maxRetryTime: 2_000 },
      }).admin();
      await admin.connect();
      try {
        assert.equal(
          await admin.createTopics({
            topics: [
              {
                topic: 'compose-check',
                numPartitions: 3,
                replicationFactor: Number(env['KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR']),
              },
            ],
            waitForLeaders: true,
          }),
          true,
        );
        const metadata = await admin.fetchTopicMetadata({ topics: ['compose-check'] });
        assert.equal(metadata.topics[0]?.partitions.length, 3);
      } finally {
        await admin.disconnect();
      }
      // The EXTERNAL listener (compose.debug.yaml publishes it) answers too, advertising itself.
      const outside = new Kafka({ brokers: [`127.0.0.1:${external}`], logLevel: logLevel.NOTHING }).admin();
      await outside.connect();
      try {
        assert.ok((await outside.listTopics()).includes('compose-check'));
      } finally {
        await outside.disconnect();
      }
    } catch (error) {
      throw new Error(`${(error as Error).message}\nKafka's stderr:\n${stderr.slice(-2000)}`, {
        cause: error,
      });
    } finally {
      broker.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
