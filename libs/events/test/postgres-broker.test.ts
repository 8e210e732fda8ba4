import { randomBytes } from 'node:crypto';
import { PostgresBroker, type MessageBroker } from '../src/index.ts';
import { createTestDatabase } from '@shop/testing';
import { brokerContractSuite } from './broker-contract.suite.ts';
import { testLogger } from './support/test-logger.ts';

brokerContractSuite('PostgreSQL stand-in broker', async () => {
  const database = await createTestDatabase('events-postgres-broker');
  const clients: MessageBroker[] = [];
  return {
    databaseUrl: database.url,
    connect: () => {
      const client = new PostgresBroker({
        connectionString: database.url,
        logger: testLogger(),
        pollIntervalMs: 200,
      });
      clients.push(client);
      return client;
    },
    topic: (label) => `${label}-${randomBytes(4).toString('hex')}`,
    close: async () => {
      await Promise.all(clients.map((client) => client.close()));
      await database.drop();
    },
  };
});
