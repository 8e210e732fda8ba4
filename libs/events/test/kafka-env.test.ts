import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { kafkaConnectionFrom, kafkaEnvProblems, type KafkaEnv } from '../src/index.ts';

const base: KafkaEnv = {
  KAFKA_BROKERS: 'b-1.kafka:9096,b-2.kafka:9096',
  KAFKA_TOPIC_PARTITIONS: 12,
  KAFKA_REPLICATION_FACTOR: 3,
  KAFKA_TLS: false,
};

async function tempFile(t: { after(fn: () => Promise<void>): void }, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kafka-env-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'ca.pem');
  await writeFile(file, text);
  return file;
}

describe('kafkaEnvProblems and kafkaConnectionFrom', () => {
  test('when only brokers are set, then the connection is plaintext without credentials', () => {
    assert.deepEqual(kafkaEnvProblems(base), []);
    assert.deepEqual(kafkaConnectionFrom(base), {
      kafkaBrokers: ['b-1.kafka:9096', 'b-2.kafka:9096'],
      topics: { numPartitions: 12, replicationFactor: 3 },
    });
  });

  test('when no brokers are set, then the connection has none (the stand-in bus)', () => {
    assert.deepEqual(kafkaConnectionFrom({ ...base, KAFKA_BROKERS: undefined }).kafkaBrokers, []);
  });

  test('when SCRAM over TLS with a CA file is configured, then the connection carries all of it', async (t) => {
    const caPem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const caFile = await tempFile(t, caPem);
    const env: KafkaEnv = {
      ...base,
      KAFKA_TLS: true,
      KAFKA_TLS_CA_FILE: caFile,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'orders',
      KAFKA_SASL_PASSWORD: 's3cret',
    };
    assert.deepEqual(kafkaEnvProblems(env), []);
    assert.deepEqual(kafkaConnectionFrom(env).security, {
      tls: { caPem },
      sasl: { mechanism: 'scram-sha-512', username: 'orders', password: 's3cret' },
    });
  });

  test('when TLS is on without a CA file, then the system CAs are trusted', () => {
    assert.deepEqual(kafkaConnectionFrom({ ...base, KAFKA_TLS: true }).security, { tls: true });
  });

  test('when a SASL mechanism lacks its credentials, or credentials lack a mechanism, then each problem names the variables', () => {
    assert.deepEqual(kafkaEnvProblems({ ...base, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' }), [
      'KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD: both required with KAFKA_SASL_MECHANISM=plain',
    ]);
    const [problem] = kafkaEnvProblems({ ...base, KAFKA_SASL_PASSWORD: 'p' });
    assert.match(problem ?? '', /^KAFKA_SASL_MECHANISM: required with SASL credentials/);
    assert.throws(() => kafkaConnectionFrom({ ...base, KAFKA_SASL_PASSWORD: 'p' }), /KAFKA_SASL_MECHANISM/);
  });

  test('when the CA file is missing, holds no certificate, or comes without KAFKA_TLS, then the problem says so', async (t) => {
    const notPem = await tempFile(t, 'hello');
    assert.match(
      kafkaEnvProblems({ ...base, KAFKA_TLS: true, KAFKA_TLS_CA_FILE: '/nonexistent/ca.pem' }).join(),
      /KAFKA_TLS_CA_FILE: cannot read \/nonexistent\/ca.pem/,
    );
    assert.match(
      kafkaEnvProblems({ ...base, KAFKA_TLS: true, KAFKA_TLS_CA_FILE: notPem }).join(),
      /holds no PEM certificate/,
    );
    const pem = await tempFile(t, '-----BEGIN CERTIFICATE-----\n');
    assert.deepEqual(kafkaEnvProblems({ ...base, KAFKA_TLS_CA_FILE: pem }), [
      'KAFKA_TLS_CA_FILE is set but KAFKA_TLS is not: set KAFKA_TLS=true, or unset the CA file',
    ]);
  });
});
