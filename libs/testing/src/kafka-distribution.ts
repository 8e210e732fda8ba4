import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { requireProgram } from './programs.ts';
import { progress } from './progress.ts';

/**
 * The Apache Kafka version the test kit runs: the newest release checked against kafkajs 2.2.4
 * (produce, consume in a group, createTopics with partitions) despite Kafka 4's removal of old
 * protocol versions (KIP-896).
 */
export const KAFKA_VERSION = '4.4.0';

/** The node id of every local broker (combined broker and controller). */
export const KAFKA_NODE_ID = 1;

/** JVM flags for a small, quick-starting test broker: C1 only and the serial GC spare a 2-core machine. */
export const KAFKA_JVM_OPTIONS = [
  '-Xms128m',
  '-Xmx512m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-XX:-UsePerfData',
  '-XX:+ExitOnOutOfMemoryError',
  '-Djava.awt.headless=true',
];

const SCALA_VERSION = '2.13';
// Kafka logs through SLF4J 1.7; the distribution binds it to Log4j 2, which also backs its logging MBean.
const LOG4J_VERSION = '2.25.5';
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies';
const DOWNLOAD_TIMEOUT_MS = 15 * 60_000;
const JAVA_REMEDY =
  'Install Java 17+ and Maven with `apt-get install -y openjdk-17-jre-headless maven` (macOS: `brew install openjdk@17 maven`), or set KAFKA_BROKERS to a running Kafka.';

const workspaceRoot = resolve(import.meta.dirname, '../../..');

/** `<repo>/.cache/kafka/<version>`: the jars, fetched once from Maven Central, live in its `libs/`. */
export const kafkaCacheDir = join(workspaceRoot, '.cache', 'kafka', KAFKA_VERSION);

/** What it takes to run a local broker; everything is fetched or built once and cached. */
export interface KafkaRuntime {
  readonly java: string;
  /** Directory of the broker's jars. */
  readonly libs: string;
  /** Formatted storage directory to copy as a new broker's log dir. */
  readonly storageTemplate: string;
  /** Class-data-sharing archive for this java, which halves JVM start-up once recorded. */
  readonly classDataArchive: string;
}

let runtime: Promise<KafkaRuntime> | undefined;

/** Checks Java, fetches the jars on first use and formats the storage template; memoized per process. */
export function prepareKafkaRuntime(): Promise<KafkaRuntime> {
  runtime ??= (async () => {
    const { java, fingerprint } = await requireJava();
    const libs = await ensureKafkaLibs();
    const storageTemplate = await ensureStorageTemplate(java, libs);
    return {
      java,
      libs,
      storageTemplate,
      classDataArchive: join(kafkaCacheDir, `classes-${fingerprint}.jsa`),
    };
  })().catch((error: unknown) => {
    runtime = undefined;
    throw error;
  });
  return runtime;
}

/** The java executable (Java 17 or newer, which Kafka 4 brokers need), or an error naming what to install. */
async function requireJava(): Promise<{ java: string; fingerprint: string }> {
  const java = requireProgram('java', JAVA_REMEDY);
  const { stderr } = await promisify(execFile)(java, ['-version']);
  const major = Number.parseInt(/version "(?:1\.)?(\d+)/.exec(stderr)?.[1] ?? '0', 10);
  if (major < 17) {
    throw new Error(
      `[testing] Kafka ${KAFKA_VERSION} needs Java 17 or newer, but \`${java}\` is Java ${major}. ${JAVA_REMEDY}`,
    );
  }
  // A class-data archive only fits the exact JVM that recorded it.
  const fingerprint = createHash('sha256').update(`${java}\n${stderr}`).digest('hex').slice(0, 12);
  return { java, fingerprint };
}

/**
 * A storage directory formatted once by Kafka's storage tool and copied for every broker, which saves a
 * JVM start per broker. Every local broker therefore shares node id 1 and one cluster id; they never meet.
 */
async function ensureStorageTemplate(java: string, libs: string): Promise<string> {
  const template = join(kafkaCacheDir, 'storage-template');
  if (await exists(template)) return template;
  const staging = join(kafkaCacheDir, `storage-template.partial-${process.pid}`);
  const config = join(kafkaCacheDir, `format-${process.pid}.properties`);
  await writeFile(
    config,
    [
      'process.roles=broker,controller',
      `node.id=${KAFKA_NODE_ID}`,
      `controller.quorum.voters=${KAFKA_NODE_ID}@127.0.0.1:9093`,
      'controller.listener.names=CONTROLLER',
      'listeners=PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093',
      `log.dirs=${staging}`,
      '',
    ].join('\n'),
  );
  // A Kafka UUID in base64url; one that starts with '-' would be read by the storage tool as an option.
  let clusterId: string;
  do clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-'));
  try {
    await promisify(execFile)(java, [
      ...KAFKA_JVM_OPTIONS,
      '-cp',
      join(libs, '*'),
      'kafka.tools.StorageTool',
      'format',
      '--cluster-id',
      clusterId,
      '--config',
      config,
    ]);
    await rename(staging, template).catch(async (error: unknown) => {
      if (!(await exists(template))) throw error;
    });
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr ?? String(error);
    throw new Error(
      `[testing] Kafka's storage tool could not format a log directory: ${detail}\n` +
        `Delete ${kafkaCacheDir} to fetch the jars again, or set KAFKA_BROKERS to a running Kafka.`,
      { cause: error },
    );
  } finally {
    await rm(staging, { recursive: true, force: true });
    await rm(config, { force: true });
  }
  return template;
}

/** Returns the directory of the Kafka broker jars, downloading them with Maven on first use. */
async function ensureKafkaLibs(): Promise<string> {
  const libs = join(kafkaCacheDir, 'libs');
  if (await exists(libs)) return libs;
  const mvn = requireProgram('mvn', JAVA_REMEDY);
  await mkdir(kafkaCacheDir, { recursive: true });
  const pom = join(kafkaCacheDir, 'pom.xml');
  await writeFile(pom, runtimePom());
  // Download into a private directory and rename it, so a parallel or interrupted run never sees half a set.
  const staging = join(kafkaCacheDir, `libs.partial-${process.pid}`);
  progress(
    `downloading Apache Kafka ${KAFKA_VERSION} jars from Maven Central into ${libs} (once, ~45 MB) ...`,
  );
  const started = Date.now();
  try {
    await runMaven(mvn, [
      '-B',
      '-f',
      pom,
      DEPENDENCY_PLUGIN,
      `-DoutputDirectory=${staging}`,
      '-DincludeScope=runtime',
    ]);
    await rename(staging, libs).catch(async (error: unknown) => {
      if (!(await exists(libs))) throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  progress(`Kafka ${KAFKA_VERSION} jars ready in ${((Date.now() - started) / 1000).toFixed(0)}s`);
  return libs;
}

function runtimePom(): string {
  const dependency = (groupId: string, artifactId: string, version: string): string =>
    `    <dependency><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId><version>${version}</version></dependency>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by @shop/testing: the runtime class path of a Kafka ${KAFKA_VERSION} broker. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>shop.testing</groupId>
  <artifactId>kafka-broker-runtime</artifactId>
  <version>${KAFKA_VERSION}</version>
  <packaging>pom</packaging>
  <dependencies>
${dependency('org.apache.kafka', `kafka_${SCALA_VERSION}`, KAFKA_VERSION)}
${dependency('org.apache.logging.log4j', 'log4j-core', LOG4J_VERSION)}
${dependency('org.apache.logging.log4j', 'log4j-slf4j-impl', LOG4J_VERSION)}
  </dependencies>
</project>
`;
}

/** Runs Maven quietly, turning its "Downloaded from" lines into a progress line every few seconds. */
function runMaven(mvn: string, args: string[]): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(mvn, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    let downloaded = 0;
    const started = Date.now();
    let lastReport = started;
    const collect = (line: string): void => {
      output.push(line);
      if (output.length > 40) output.shift();
      if (line.includes('Downloaded from')) downloaded += 1;
      if (Date.now() - lastReport > 3_000) {
        lastReport = Date.now();
        progress(
          `  Maven still resolving (${Math.round((Date.now() - started) / 1000)}s, ${downloaded} files downloaded) ...`,
        );
      }
    };
    createInterface({ input: child.stdout }).on('line', collect);
    createInterface({ input: child.stderr }).on('line', collect);
    const timer = setTimeout(() => child.kill('SIGTERM'), DOWNLOAD_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`[testing] Could not run Maven (${error.message}). ${JAVA_REMEDY}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolvePromise();
      reject(
        new Error(
          `[testing] Maven could not fetch the Kafka ${KAFKA_VERSION} jars (exit ${code ?? signal}). Last output:\n` +
            `${output.join('\n')}\n` +
            'Check access to https://repo.maven.apache.org (proxy settings in ~/.m2/settings.xml) and retry, ' +
            'or set KAFKA_BROKERS to a running Kafka.',
        ),
      );
    });
  });
}

export async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
