import { randomUUID } from 'node:crypto';
import { describeStoreConformance } from '@cloakroom/session-store-test';
import { inject } from 'vitest';
import { type MemcachedStore, memcachedStore } from './memcached-store.ts';
import { type PrivateMemcached, serverTtl, startMemcached } from './test/memcached-server.ts';

const capabilities = {
  compareAndSet: true,
  getAndTouch: true,
  userIndex: false,
  deleteExpired: false,
} as const;

/**
 * The expiry the server itself holds, from the meta protocol's remaining TTL (`mg <key> t`). That
 * counts whole seconds against memcached's once-a-second clock, so the true expiry lies in the second
 * before `now + t`: take its middle.
 */
function backendExpiry(prefix: string) {
  return async (store: MemcachedStore, key: string): Promise<number | null> => {
    const ttl = await serverTtl(store.serverFor(key), prefix + key);
    if (ttl === null) return null;
    return ttl < 0 ? Number.POSITIVE_INFINITY : Date.now() + ttl * 1000 - 500;
  };
}

const prefix = `conformance:${randomUUID()}:`;
describeStoreConformance({
  name: 'memcached',
  createStore: () => memcachedStore({ servers: inject('memcachedUrl'), prefix }),
  cleanup: (store) => store.close(),
  capabilities,
  backendExpiry: backendExpiry(prefix),
});

// The same contract with keys spread over two private servers by the store's consistent hashing.
const servers: PrivateMemcached[] = [];
describeStoreConformance({
  name: 'memcached (two servers)',
  createStore: async () => {
    servers.push(...(await Promise.all([startMemcached(), startMemcached()])));
    return memcachedStore({ servers: servers.map((server) => server.address), prefix: 'sharded:' });
  },
  cleanup: async (store) => {
    await store.close();
    await Promise.all(servers.map((server) => server.stop()));
  },
  capabilities,
  backendExpiry: backendExpiry('sharded:'),
});
