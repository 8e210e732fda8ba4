import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  createTestCertificates,
  startKafkaBroker,
  uniqueTopicName,
  type LocalKafkaBroker,
  type TestCertificates,
  eventually,
} from '@shop/testing';
import {
  createMessageBroker,
  KafkaBroker,
  kafkaConnectionFrom,
  type IncomingMessage,
  type KafkaEnv,
  type MessageBroker,
} from '../src/index.ts';
import { testLogger } from './support/test-logger.ts';

// A broker of its own that, like Amazon MSK or Confluent Cloud, only talks TLS and wants SASL credentials.
let kafka: LocalKafkaBroker;
let certificates: TestCertificates;
let caFile: string;
let scratch: string;

before(async () => {
  certificates = await createTestCertificates();
  scratch = await mkdtemp(join(tmpdir(), 'events-kafka-security-'));
  caFile = join(scratch, 'ca.pem');
  await writeFile(caFile, certificates.caPem);
  kafka = await startKafkaBroker({
    security: {
      users: { orders: 'orders-secret' },
      tls: { certificatePem: certificates.certificatePem, privateKeyPem: certificates.privateKeyPem },
    },
  });
});

after(async () => {
  await kafka.dispose();
  await rm(scratch, { recursive: true, force: true });
});

/** A broker built the way a service builds it: from its environment. */
function brokerFromEnv(env: Partial<KafkaEnv>): MessageBroker {
  const connection = kafkaConnectionFrom({
    KAFKA_BROKERS: kafka.brokers.join(','),
    KAFKA_TOPIC_PARTITIONS: 1,
    KAFKA_REPLICATION_FACTOR: 1,
    KAFKA_TLS: true,
    KAFKA_TLS_CA_FILE: caFile,
    KAFKA_SASL_MECHANISM: 'plain',
    KAFKA_SASL_USERNAME: 'orders',
    KAFKA_SASL_PASSWORD: 'orders-secret',
    ...env,
  });
  return createMessageBroker({ clientId: 'security-test', ...connection, logger: testLogger() });
}

const message = (topic: string) => ({
  topic,
  key: 'k',
  value: JSON.stringify({ id: randomUUID() }),
  headers: {},
});

test('when TLS and SASL settings match the brokers, then events are published and consumed', async (t) => {
  const broker = brokerFromEnv({});
  t.after(() => broker.close());
  const topic = uniqueTopicName('secured');
  const sent = message(topic);

  await broker.publish([sent]);
  const received: IncomingMessage[] = [];
  const subscription = await broker.subscribe({
    groupId: `secured-${randomUUID()}`,
    topics: [topic],
    handle: async (incoming) => void received.push(incoming),
  });
  t.after(() => subscription.close());

  const [first] = await eventually(
    'the published event to be consumed',
    () => received.length > 0 && received,
  );
  assert.equal(first?.value, sent.value);
});

test('when the password is wrong, then publishing and subscribing fail with an error that names the SASL settings', async (t) => {
  const broker = brokerFromEnv({ KAFKA_SASL_PASSWORD: 'not-the-password' });
  t.after(() => broker.close());
  const topic = uniqueTopicName('wrong-password');

  await assert.rejects(broker.publish([message(topic)]), (error: Error) => {
    assert.match(error.message, /KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/);
    return true;
  });
  await assert.rejects(
    broker.subscribe({ groupId: `denied-${randomUUID()}`, topics: [topic], handle: async () => undefined }),
    /Could not join consumer group .*KAFKA_SASL_MECHANISM/,
  );
});

test('when the brokers certificate is not signed by a trusted CA, then publishing fails with an error that points to KAFKA_TLS_CA_FILE', async (t) => {
  // The system CAs do not know the test CA, exactly as with a private CA and no CA file configured.
  const broker = brokerFromEnv({ KAFKA_TLS_CA_FILE: undefined });
  t.after(() => broker.close());

  await assert.rejects(broker.publish([message(uniqueTopicName('untrusted'))]), /KAFKA_TLS_CA_FILE/);
});

test('when a publish times out while TLS keeps failing underneath, then its error still points to KAFKA_TLS_CA_FILE', async (t) => {
  const broker = new KafkaBroker({
    brokers: kafka.brokers,
    clientId: 'security-test',
    topics: { numPartitions: 1, replicationFactor: 1 },
    security: { tls: true, sasl: { mechanism: 'plain', username: 'orders', password: 'orders-secret' } },
    publishTimeoutMs: 1_500,
    logger: testLogger(),
  });
  t.after(() => broker.close());

  await assert.rejects(broker.publish([message(uniqueTopicName('timeout'))]), (error: Error) => {
    assert.match(error.message, /no acknowledgement in time/);
    assert.match(error.message, /KAFKA_TLS_CA_FILE/);
    return true;
  });
});

test('when a client speaks plaintext to the TLS listener, then the broker refuses it and the publish fails', async (t) => {
  const broker = brokerFromEnv({ KAFKA_TLS: false, KAFKA_TLS_CA_FILE: undefined });
  t.after(() => broker.close());

  await assert.rejects(
    broker.publish([message(uniqueTopicName('plaintext'))]),
    /Kafka publish of 1 message\(s\) failed/,
  );
});
