import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { idempotencyPlugin, type IdempotencyOptions, type IdempotencyStore } from '../src/index.ts';

// Never reached: these registrations must fail before any key is stored.
const unusedStore: IdempotencyStore = {
  transaction: () => Promise.reject(new Error('no database in this test')),
};

async function register(options: IdempotencyOptions): Promise<void> {
  const app = Fastify();
  try {
    await app.register(idempotencyPlugin, options);
    await app.ready();
  } finally {
    await app.close();
  }
}

test('when the store is chosen per request and no stores are given, then registration fails saying to pass them', async () => {
  await assert.rejects(register({ store: () => unusedStore, scope: () => 's' }), /pass `stores`/);
});

test('when the lock outlives the TTL, then registration fails naming both', async () => {
  await assert.rejects(
    register({ store: unusedStore, scope: () => 's', ttlMs: 1_000, lockTimeoutMs: 5_000 }),
    /lockTimeoutMs \(5000\) must be shorter than ttlMs \(1000\)/,
  );
});

test('when a duration is not a positive integer, then registration fails naming the option', async () => {
  await assert.rejects(
    register({ store: unusedStore, scope: () => 's', ttlMs: 0 }),
    /ttlMs must be a positive/,
  );
  await assert.rejects(
    register({ store: unusedStore, scope: () => 's', reapBatchSize: 1.5 }),
    /reapBatchSize must be a positive/,
  );
});

test('when a fixed store is given, then it is also the reaper store and registration succeeds', async () => {
  await register({ store: unusedStore, scope: () => 's', reapIntervalMs: 0 });
});
