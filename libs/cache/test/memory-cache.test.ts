import { Cache, MemoryCacheStore } from '../src/index.ts';
import { cacheContract } from './support/cache-contract.ts';

cacheContract('in-memory store', async () => {
  const store = new MemoryCacheStore();
  return {
    openReplica: (options = {}) => Cache.open({ name: 'product', store, l1: false, ...options }),
    remainingTtl: (key) => store.remainingTtl(key),
    close: () => store.close(),
  };
});
