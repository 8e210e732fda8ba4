import { parseArgs } from 'node:util';
import { loadConfig } from '@shop/platform';
import {
  createMessageBroker,
  kafkaConnectionFrom,
  KafkaEnvSchema,
  listDeadLetters,
  replayDeadLetters,
  type DeadLetter,
  type Logger,
} from '@shop/events';

// node tools/dlq.ts list <topic> | replay <topic> [--id <eventId>]: inspects and replays a consumer
// group's dead-letter topic (<group>.dlq) on Kafka (KAFKA_BROKERS) or the embedded stand-in bus
// (EVENT_BUS_DATABASE_URL). Progress goes to stderr, the listing to stdout.

const USAGE = `Usage:
  node tools/dlq.ts list <topic>                      list the dead letters of a topic, e.g. order.payment-results.dlq
  node tools/dlq.ts replay <topic> [--id <eventId>]   publish them (or one event) back to their original topics

Connects to Kafka when KAFKA_BROKERS is set (host:port,...; with KAFKA_TLS, KAFKA_TLS_CA_FILE and
KAFKA_SASL_* as the services use them), otherwise to the stand-in bus in EVENT_BUS_DATABASE_URL.`;

const PROGRESS_EVERY = 100;

function progress(message: string): void {
  process.stderr.write(`[dlq] ${message}\n`);
}

const quietLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (details, message) => progress(`${message ?? 'error'} ${JSON.stringify(details, errorsAsText)}`),
};

function errorsAsText(_key: string, value: unknown): unknown {
  return value instanceof Error ? value.message : value;
}

function connect() {
  const { kafkaBrokers, topics, security } = kafkaConnectionFrom(loadConfig(KafkaEnvSchema));
  const busDatabaseUrl = process.env.EVENT_BUS_DATABASE_URL;
  if (kafkaBrokers.length === 0 && !busDatabaseUrl) {
    throw new Error(
      'Set KAFKA_BROKERS (host:port,...) to reach Kafka, or EVENT_BUS_DATABASE_URL for the embedded stand-in bus.',
    );
  }
  progress(
    kafkaBrokers.length > 0
      ? `connecting to Kafka at ${kafkaBrokers.join(',')}${security ? ' (secured)' : ''}`
      : 'connecting to the stand-in event bus',
  );
  return createMessageBroker({
    clientId: 'dlq-tool',
    kafkaBrokers,
    topics,
    ...(security ? { security } : {}),
    ...(busDatabaseUrl ? { busDatabaseUrl } : {}),
    logger: quietLogger,
  });
}

function describe(letter: DeadLetter): string {
  const fields = [
    `${letter.partition}@${letter.offset}`,
    letter.eventId ?? '(no event id)',
    letter.eventType ?? '(unparseable)',
    `reason=${letter.reason ?? '?'}`,
    `attempts=${letter.attempts ?? '?'}`,
    `from=${letter.originalTopic ?? '?'}`,
    `at=${letter.failedAt ?? '?'}`,
  ];
  return `${fields.join('  ')}\n    ${letter.error ?? ''}`;
}

async function list(topic: string): Promise<void> {
  const broker = connect();
  try {
    progress(`reading ${topic} from the beginning ...`);
    const reasons = new Map<string, number>();
    let count = 0;
    for await (const letter of listDeadLetters(broker, topic)) {
      process.stdout.write(`${describe(letter)}\n`);
      reasons.set(letter.reason ?? '?', (reasons.get(letter.reason ?? '?') ?? 0) + 1);
      count += 1;
      if (count % PROGRESS_EVERY === 0) progress(`read ${count} ...`);
    }
    const summary = [...reasons].map(([reason, n]) => `${reason}: ${n}`).join(', ');
    progress(
      count === 0
        ? `${topic} is empty (or does not exist).`
        : `${count} dead letter(s) in ${topic} (${summary}).`,
    );
    if (count > 0) progress(`replay with: node tools/dlq.ts replay ${topic} [--id <eventId>]`);
  } finally {
    await broker.close();
  }
}

async function replay(topic: string, eventId: string | undefined): Promise<void> {
  const broker = connect();
  try {
    progress(`replaying ${eventId === undefined ? 'every dead letter' : `event ${eventId}`} of ${topic} ...`);
    const { replayed } = await replayDeadLetters(broker, topic, {
      ...(eventId === undefined ? {} : { eventId }),
      onProgress: (done) => progress(`replayed ${done} ...`),
    });
    if (replayed === 0) {
      progress(
        eventId === undefined
          ? `${topic} has nothing to replay.`
          : `no dead letter of event ${eventId} in ${topic}; list them with: node tools/dlq.ts list ${topic}`,
      );
      process.exitCode = eventId === undefined ? 0 : 1;
      return;
    }
    progress(
      `replayed ${replayed} message(s) to their original topics; consumers that already handled them skip them.`,
    );
  } finally {
    await broker.close();
  }
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { id: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command, topic, ...extra] = positionals;
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  if (
    (command !== 'list' && command !== 'replay') ||
    topic === undefined ||
    extra.length > 0 ||
    (command === 'list' && values.id !== undefined)
  ) {
    process.stderr.write(`${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  await (command === 'list' ? list(topic) : replay(topic, values.id));
}

main().catch((error: unknown) => {
  progress(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
