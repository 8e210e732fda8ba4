import { readFileSync } from 'node:fs';
import { Type, type Static } from 'typebox';
import type { KafkaSecurity } from './kafka-broker.ts';

const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

/** The Kafka part of a service's environment; a service spreads it into its own env schema. */
export const kafkaEnv = {
  /** Kafka brokers `host:port,...`; unset: the PostgreSQL stand-in bus (embedded start, tests). */
  KAFKA_BROKERS: Type.Optional(Type.String({ pattern: '^[^,\\s]+(,[^,\\s]+)*$' })),
  /** Partitions of the topics a service creates when they are missing (the unit of consumer parallelism). */
  KAFKA_TOPIC_PARTITIONS: Type.Integer({ minimum: 1, default: 12 }),
  /**
   * Prefix of every topic and consumer group (`<namespace>.order-events`), for environments or test runs
   * sharing one cluster; unset: the contracts' topic names as they are.
   */
  KAFKA_NAMESPACE: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })),
  /** Replicas of those topics: 3 on a production cluster, 1 on a single broker. */
  KAFKA_REPLICATION_FACTOR: Type.Integer({ minimum: 1, default: 1 }),
  /** TLS to the brokers (Amazon MSK, Confluent Cloud and most managed clusters require it). */
  KAFKA_TLS: Type.Boolean({ default: false }),
  /** PEM bundle of the CA that signed the brokers' certificates, when it is not a public one. */
  KAFKA_TLS_CA_FILE: Type.Optional(Type.String({ minLength: 1 })),
  /** SASL authentication; SCRAM is what MSK's and Confluent's user/password access use. */
  KAFKA_SASL_MECHANISM: Type.Optional(
    Type.Union([Type.Literal('plain'), Type.Literal('scram-sha-256'), Type.Literal('scram-sha-512')]),
  ),
  /** The SASL user, with KAFKA_SASL_MECHANISM. */
  KAFKA_SASL_USERNAME: Type.Optional(Type.String({ minLength: 1 })),
  /** The SASL password (a Secret). */
  KAFKA_SASL_PASSWORD: Type.Optional(Type.String({ minLength: 1, secret: true })),
};

/** The schema of kafkaEnv alone, e.g. for a tool that reads nothing else. */
export const KafkaEnvSchema = Type.Object(kafkaEnv);
export type KafkaEnv = Static<typeof KafkaEnvSchema>;

/** Where a service's events go, as createMessageBroker takes it. */
export interface KafkaConnection {
  /** Empty: the PostgreSQL stand-in bus. */
  kafkaBrokers: string[];
  topics: { numPartitions: number; replicationFactor: number };
  security?: KafkaSecurity;
  /** KAFKA_NAMESPACE: the prefix of every topic and consumer group. */
  namespace?: string;
}

/**
 * What is wrong with a Kafka environment beyond what its schema checks, one line per problem naming the
 * variables and what to do; empty when it is usable. A service adds these to its own config errors.
 */
export function kafkaEnvProblems(env: KafkaEnv): string[] {
  const problems: string[] = [];
  const credentials = env.KAFKA_SASL_USERNAME !== undefined || env.KAFKA_SASL_PASSWORD !== undefined;
  if (env.KAFKA_SASL_MECHANISM !== undefined) {
    if (env.KAFKA_SASL_USERNAME === undefined || env.KAFKA_SASL_PASSWORD === undefined) {
      problems.push(
        `KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD: both required with KAFKA_SASL_MECHANISM=${env.KAFKA_SASL_MECHANISM}`,
      );
    }
  } else if (credentials) {
    problems.push(
      `KAFKA_SASL_MECHANISM: required with SASL credentials (one of ${SASL_MECHANISMS.join(', ')})`,
    );
  }
  if (env.KAFKA_TLS_CA_FILE !== undefined) {
    if (!env.KAFKA_TLS) {
      problems.push(
        'KAFKA_TLS_CA_FILE is set but KAFKA_TLS is not: set KAFKA_TLS=true, or unset the CA file',
      );
    }
    const ca = readCaFile(env.KAFKA_TLS_CA_FILE);
    if (typeof ca !== 'string') problems.push(ca.problem);
  }
  return problems;
}

/** The connection described by a Kafka environment that kafkaEnvProblems found nothing wrong with. */
export function kafkaConnectionFrom(env: KafkaEnv): KafkaConnection {
  const problems = kafkaEnvProblems(env);
  if (problems.length > 0) {
    throw new Error(
      `Invalid Kafka configuration:\n- ${problems.join('\n- ')}\nFix these environment variables and start again.`,
    );
  }
  const security: KafkaSecurity = {};
  if (env.KAFKA_TLS) {
    security.tls =
      env.KAFKA_TLS_CA_FILE === undefined ? true : { caPem: readCaFile(env.KAFKA_TLS_CA_FILE) as string };
  }
  if (env.KAFKA_SASL_MECHANISM !== undefined) {
    security.sasl = {
      mechanism: env.KAFKA_SASL_MECHANISM,
      username: env.KAFKA_SASL_USERNAME as string,
      password: env.KAFKA_SASL_PASSWORD as string,
    };
  }
  return {
    kafkaBrokers: env.KAFKA_BROKERS ? env.KAFKA_BROKERS.split(',') : [],
    topics: { numPartitions: env.KAFKA_TOPIC_PARTITIONS, replicationFactor: env.KAFKA_REPLICATION_FACTOR },
    ...(env.KAFKA_NAMESPACE === undefined ? {} : { namespace: env.KAFKA_NAMESPACE }),
    ...(security.tls === undefined && security.sasl === undefined ? {} : { security }),
  };
}

function readCaFile(path: string): string | { problem: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { problem: `KAFKA_TLS_CA_FILE: cannot read ${path} (${(error as Error).message})` };
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    return { problem: `KAFKA_TLS_CA_FILE: ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` };
  }
  return text;
}
