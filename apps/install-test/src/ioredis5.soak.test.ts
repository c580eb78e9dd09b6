// The peer range of @cloakroom/session-redis takes ioredis 5 as well as 6 (the store calls only `eval`,
// `evalsha`, `hmget`, `zscore`, `zrem`, `config`, `nodes()` and `isCluster`, which both have): the store
// conformance suite on a real Redis through an ioredis 5 client. A matrix beyond the newest versions, so
// in `pnpm test:soak`, not CI.

import { redisStore } from '@cloakroom/session-redis';
import { describeStoreConformance } from '@cloakroom/session-store-test';
import type { Redis } from 'ioredis';
import { Redis as Redis5 } from 'ioredis5';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `cloakroom-test:ioredis5:${crypto.randomUUID()}:`;
let client: Redis5 | undefined;

async function connect(): Promise<Redis5> {
  const redis = new Redis5(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(`Redis is not reachable at ${REDIS_URL} (set REDIS_URL): ${String(error)}`);
  }
  return redis;
}

describeStoreConformance({
  name: `redis through ioredis ${(await import('ioredis5/package.json', { with: { type: 'json' } })).default.version}`,
  createStore: async () => {
    client = await connect();
    // The store's types name ioredis 6 (this workspace's); an app on ioredis 5 sees its own version's.
    return redisStore({ client: client as unknown as Redis, prefix });
  },
  cleanup: async () => {
    if (client === undefined) return;
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await client.quit();
  },
  capabilities: { compareAndSet: true, userIndex: true, deleteExpired: 'native' },
  backendExpiry: async (_store, key) => {
    const at = await client!.pexpiretime(`${prefix}s:${key}`);
    return at < 0 ? null : at;
  },
});
