// The Redis store factory the repository's adapter tests use: @cloakroom/session-redis over an ioredis
// client of its own. Adapters list this private package instead of the store, so an adapter's
// package.json names no store package; a third party writes the same few lines in its own tests.
import { once } from 'node:events';
import type { FactoryStore, StoreFactory, StoreFactoryInput } from '@cloakroom/session-adapter-test';
import { redisStore } from '@cloakroom/session-redis';
import { Redis } from 'ioredis';

/** Deletes the keys under `prefix` (never FLUSHDB: the server may be shared), with SCAN, not KEYS. */
async function deletePrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await client.del(...keys);
  } while (cursor !== '0');
}

/**
 * `redisStore({ client, prefix })` over a new ioredis client for `url`, connecting in the background
 * (for code that cannot wait, such as a Next.js module). With `failFast` (an outage target) the client
 * has no offline queue, no retries per command and a 1 s timeout, and reconnects every 50 ms, so a
 * stopped server answers 503 at once and a restarted one is found quickly. `close()` deletes the keys
 * under the prefix when the server still answers, then disconnects.
 */
export function redisStoreNow({ url, prefix, failFast }: StoreFactoryInput): FactoryStore {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2_000,
    ...(failFast
      ? { maxRetriesPerRequest: 0, enableOfflineQueue: false, commandTimeout: 1_000, retryStrategy: () => 50 }
      : { maxRetriesPerRequest: 1 }),
  });
  client.on('error', () => undefined);
  void client.connect().catch(() => undefined);
  return {
    store: redisStore({ client, prefix, ...(failFast ? { timeout: 1_000 } : {}) }),
    async ready() {
      if (client.status === 'end') throw new Error(`the Redis client for ${url} was closed`);
      while (client.status !== 'ready') await once(client, 'ready');
      await client.ping();
    },
    async close() {
      if (client.status === 'ready') await deletePrefix(client, prefix).catch(() => undefined);
      client.disconnect();
    },
  };
}

/**
 * {@link redisStoreNow}, resolved once the client is connected.
 * @throws Error naming the URL and REDIS_URL when it does not connect within 2 s
 */
export const redisStoreFactory: StoreFactory = async (input) => {
  const made = redisStoreNow(input);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Redis at ${input.url} is unreachable: start it or point REDIS_URL at one.`)),
      2_000,
    );
  });
  try {
    await Promise.race([made.ready(), timeout]);
  } catch (error) {
    await made.close();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return made;
};
