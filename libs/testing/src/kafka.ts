import { cp, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { findFreePorts } from './free-port.ts';
import {
  KAFKA_JVM_OPTIONS,
  KAFKA_NODE_ID,
  KAFKA_VERSION,
  exists,
  prepareKafkaRuntime,
} from './kafka-distribution.ts';
import type { KafkaRuntime } from './kafka-distribution.ts';
import { createScratchDir, sharedStart } from './lifecycle.ts';
import { progress } from './progress.ts';
import { launchLocalServer, ServerProcess, type LocalServer } from './server-process.ts';
import { labelSlug, randomSuffix } from './unique-name.ts';

export { KAFKA_VERSION } from './kafka-distribution.ts';

export interface KafkaEndpoint {
  /** `host:port` bootstrap addresses for kafkajs. */
  readonly brokers: string[];
}

/**
 * A Kafka broker this process started itself, so a test may take it down and bring it back; its topics
 * and messages stay on disk across stop() and start().
 */
export interface LocalKafkaBroker extends KafkaEndpoint, LocalServer {}

export interface TestTopicOptions {
  /** Defaults to 1. */
  readonly partitions?: number;
}

const START_TIMEOUT_MS = 180_000;

const shared = sharedStart(resolveKafka);

/**
 * The Kafka cluster for tests: `KAFKA_BROKERS` (comma-separated) when set, otherwise a single-node KRaft
 * broker of Apache Kafka {@link KAFKA_VERSION}, started once per process with the machine's Java from jars
 * fetched once with Maven, and stopped when the process exits.
 */
export function getKafka(): Promise<KafkaEndpoint> {
  return shared.get();
}

/** A topic name unique to this call: `test-<label>-<random>`. */
export function uniqueTopicName(label?: string): string {
  return `test-${labelSlug(label).replaceAll('_', '-')}-${randomSuffix()}`;
}

/** Creates a uniquely named topic on the test cluster, waits until it has leaders, and returns its name. */
export async function createTestTopic(label?: string, options: TestTopicOptions = {}): Promise<string> {
  const topic = uniqueTopicName(label);
  const admin = new Kafka({ brokers: (await getKafka()).brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: options.partitions ?? 1 }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
  return topic;
}

/**
 * How a dedicated broker asks its clients to authenticate, as a managed Kafka (MSK, Confluent) does: SASL
 * PLAIN with these users, over TLS with this certificate when given (see createTestCertificates).
 */
export interface KafkaBrokerSecurity {
  /** user name -> password */
  users: Record<string, string>;
  tls?: { certificatePem: string; privateKeyPem: string };
}

export interface KafkaBrokerOptions {
  /** Clients must authenticate on the advertised listener; the broker's own traffic stays on a plain one. */
  security?: KafkaBrokerSecurity;
}

/**
 * Starts a dedicated single-node broker for this test, whatever `KAFKA_BROKERS` says, because stopping a
 * shared broker would break other test files running in parallel. Use it for outage and security tests.
 */
export async function startKafkaBroker(options: KafkaBrokerOptions = {}): Promise<LocalKafkaBroker> {
  const runtime = await prepareKafkaRuntime();
  await recordClassDataArchive(runtime);
  return launchKafka(runtime, () => undefined, undefined, options.security);
}

async function resolveKafka(): Promise<KafkaEndpoint> {
  const configured = (process.env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
  if (configured.length > 0) return { brokers: configured };
  const runtime = await prepareKafkaRuntime();
  await recordClassDataArchive(runtime);
  const broker = await launchKafka(runtime, () => shared.forget());
  return { brokers: broker.brokers };
}

/**
 * Once per JVM: starts and stops a throwaway broker that dumps the classes it loaded into a class-data
 * archive; later brokers map that archive instead of loading ~2,000 classes from jars. Failure is harmless.
 */
async function recordClassDataArchive(runtime: KafkaRuntime): Promise<void> {
  const archive = runtime.classDataArchive;
  if (await exists(archive)) return;
  const partial = `${archive}.partial-${process.pid}`;
  progress(
    'one-time: recording a class-data archive of a Kafka start, so later starts take about half as long ...',
  );
  try {
    const broker = await launchKafka(runtime, () => undefined, [`-XX:ArchiveClassesAtExit=${partial}`]);
    await broker.dispose();
    await rename(partial, archive);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    progress(`could not record the class-data archive (${reason}); Kafka starts without it.`);
  } finally {
    await rm(partial, { force: true });
  }
}

async function launchKafka(
  runtime: KafkaRuntime,
  onDispose: () => void,
  classDataOptions?: string[],
  security?: KafkaBrokerSecurity,
): Promise<LocalKafkaBroker> {
  const { java, libs, storageTemplate, classDataArchive } = runtime;
  const classData =
    classDataOptions ??
    ((await exists(classDataArchive)) ? [`-XX:SharedArchiveFile=${classDataArchive}`] : []);
  const [dir, ports] = await Promise.all([createScratchDir('kafka'), findFreePorts(3)]);
  const [port, controllerPort, internalPort] = ports as [number, number, number];
  const config = join(dir.path, 'server.properties');
  const logConfig = join(dir.path, 'log4j2.properties');
  await Promise.all([
    cp(storageTemplate, join(dir.path, 'data'), { recursive: true }),
    writeFile(
      config,
      brokerProperties(port, controllerPort, join(dir.path, 'data'), {
        ...(security === undefined
          ? {}
          : await securedListener(dir.path, { port, internalPort, controllerPort }, security)),
      }),
    ),
    writeFile(logConfig, LOG4J_CONFIG),
  ]);
  const brokers = [`127.0.0.1:${port}`];
  const server = new ServerProcess({
    name: `Kafka ${KAFKA_VERSION} on 127.0.0.1:${port}`,
    command: java,
    args: [
      ...KAFKA_JVM_OPTIONS,
      ...classData,
      `-Dlog4j2.configurationFile=${logConfig}`,
      '-cp',
      join(libs, '*'),
      'kafka.Kafka',
      config,
    ],
    dir,
    // The readiness probe needs no credentials: on a secured broker it uses the internal listener.
    isReady: () => servesMetadata(security === undefined ? brokers : [`127.0.0.1:${internalPort}`]),
    startTimeoutMs: START_TIMEOUT_MS,
    remedy:
      'Fix the cause shown in the log and run again (or, for the shared broker, set KAFKA_BROKERS to a running Kafka).',
  });
  const controls = await launchLocalServer(server, {
    port,
    dir,
    product: 'Kafka',
    starting: `Kafka ${KAFKA_VERSION} (KRaft) on 127.0.0.1:${port} with ${java}`,
    onDispose,
  });
  return { ...controls, brokers };
}

// Test tuning: one replica of everything, tiny internal topics, and no delay before the first group rebalance.
function brokerProperties(
  port: number,
  controllerPort: number,
  logDir: string,
  overrides: Record<string, string>,
): string {
  const properties: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': KAFKA_NODE_ID,
    'controller.quorum.voters': `${KAFKA_NODE_ID}@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': logDir,
    'num.partitions': 1,
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    'auto.create.topics.enable': true,
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'group.initial.rebalance.delay.ms': 0,
    'num.network.threads': 2,
    'num.io.threads': 2,
    'background.threads': 2,
    ...overrides,
  };
  return `${Object.entries(properties)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

/**
 * Listener settings so that clients reach a SASL listener (over TLS when a certificate is given) at
 * `port`, while the controller and the broker itself talk on plain ones.
 */
async function securedListener(
  dir: string,
  { port, internalPort, controllerPort }: { port: number; internalPort: number; controllerPort: number },
  security: KafkaBrokerSecurity,
): Promise<Record<string, string>> {
  const protocol = security.tls === undefined ? 'SASL_PLAINTEXT' : 'SASL_SSL';
  const users = Object.entries(security.users)
    .map(([user, password]) => `user_${user}=${JSON.stringify(password)}`)
    .join(' ');
  const properties: Record<string, string> = {
    listeners: `CLIENT://127.0.0.1:${port},INTERNAL://127.0.0.1:${internalPort},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `CLIENT://127.0.0.1:${port},INTERNAL://127.0.0.1:${internalPort}`,
    'inter.broker.listener.name': 'INTERNAL',
    'listener.security.protocol.map': `CLIENT:${protocol},INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT`,
    'listener.name.client.sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.client.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required ${users};`,
  };
  if (security.tls !== undefined) {
    const keystore = join(dir, 'broker.pem');
    await writeFile(
      keystore,
      `${security.tls.privateKeyPem.trim()}\n${security.tls.certificatePem.trim()}\n`,
    );
    Object.assign(properties, {
      'listener.name.client.ssl.keystore.type': 'PEM',
      'listener.name.client.ssl.keystore.location': keystore,
    });
  }
  return properties;
}

// Log4j 2 writes to stdout, which the server process redirects into the scratch dir's server.log.
const LOG4J_CONFIG = `rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = stdout
appender.stdout.type = Console
appender.stdout.name = stdout
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
logger.state.name = state.change.logger
logger.state.level = WARN
`;

/** One metadata round-trip: true once the broker has finished starting and answers clients. */
async function servesMetadata(brokers: string[]): Promise<boolean> {
  const admin = new Kafka({
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 2_000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
