import { MemoryCacheStore } from '../src/index.ts';
import { cacheContract } from './support/cache-contract.ts';

cacheContract('in-memory store', async () => {
  const store = new MemoryCacheStore();
  return {
    newStore: () => store,
    replicaDefaults: { l1: false },
    remainingTtl: (key) => store.remainingTtl(key),
    close: () => store.close(),
  };
});
