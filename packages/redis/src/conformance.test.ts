import { describeStoreConformance } from '@cloakroom/session-store-test';
import type { Cluster, Redis } from 'ioredis';
import { inject } from 'vitest';
import { redisStore } from './redis-store.ts';
import { connectCluster, connectRedis, deleteByPrefix, REDIS_URL, runPrefix } from './testing/clients.ts';

/** The expiry Redis itself holds for a record, epoch ms, or null when there is no such key. */
async function pexpiretime(client: Redis | Cluster, name: string): Promise<number | null> {
  const at = await client.pexpiretime(name);
  return at < 0 ? null : at;
}

const single = { prefix: runPrefix('conformance'), client: undefined as Redis | undefined };
describeStoreConformance({
  name: `redis (single node at ${REDIS_URL})`,
  createStore: async () => {
    single.client = await connectRedis();
    return redisStore({ client: single.client, prefix: single.prefix });
  },
  // The suite deletes the records it wrote. Index entries of records that expired on their own stay
  // until their absolute expiry (by design, see the README), so this run removes its own keys too.
  cleanup: async () => {
    if (single.client === undefined) return;
    await deleteByPrefix(single.client, single.prefix);
    await single.client.quit();
  },
  capabilities: { compareAndSet: true, getAndTouch: true, userIndex: true, deleteExpired: 'native' },
  backendExpiry: (_store, key) => pexpiretime(single.client!, `${single.prefix}s:${key}`),
});

const cluster = { prefix: runPrefix('conformance-cluster'), client: undefined as Cluster | undefined };
describeStoreConformance({
  name: 'redis (3-master Redis Cluster)',
  createStore: async () => {
    cluster.client = await connectCluster(inject('clusterPorts'));
    return redisStore({ client: cluster.client, prefix: cluster.prefix });
  },
  cleanup: async () => {
    await cluster.client?.quit();
  },
  capabilities: { compareAndSet: true, getAndTouch: true, userIndex: true, deleteExpired: 'native' },
  backendExpiry: (_store, key) => pexpiretime(cluster.client!, `${cluster.prefix}s:${key}`),
});
