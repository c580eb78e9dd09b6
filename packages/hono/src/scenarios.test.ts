// The shared HTTP scenario suite on Hono over @hono/node-server: the memory store, the machine's
// Redis (REDIS_URL), each with a second app instance over the same store; and the outage scenarios on a private
// redis-server that the suite stops and restarts.
import {
  countingStore,
  describeAdapterScenarios,
  manualClock,
  type RedisServer,
  scenarioGroups,
  scenarioManagerOptions,
  scenarioOptions,
  startRedisServer,
  storeHooks,
} from '@cloakroom/session-adapter-test';
import { memoryStore, type SessionManagerOptions } from '@cloakroom/session-core';
import { redisStore } from '@cloakroom/session-redis';
import { Redis } from 'ioredis';
import { scenarioApp } from './scenario-app.ts';
import { listen, type Running } from './test-support.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const everyHook = { clock: true, storeCalls: true, store: true, storeControl: false, peer: true } as const;
const withoutOutage = scenarioGroups.filter((group) => group !== 'outage');
const quiet = (): undefined => undefined;

async function redisClient(url: string, variable: string): Promise<Redis> {
  // Quick failure: no offline queue, no retries per command, reconnect every 100 ms.
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 1_000,
    retryStrategy: () => 100,
  });
  client.on('error', quiet);
  await client.connect().catch((error: Error) => {
    client.disconnect();
    throw new Error(`Redis is unreachable at ${url} (set ${variable}): ${error.message}`);
  });
  return client;
}

/** Deletes this run's keys only (never a FLUSHDB), with SCAN rather than KEYS. */
async function deletePrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await client.del(...keys);
  } while (cursor !== '0');
}

{
  const name = 'hono 4 on @hono/node-server';
  /** One instance of the scenario app, with its own session manager, on an ephemeral port. */
  const instance = (options: SessionManagerOptions): Promise<Running> => listen(scenarioApp(options).fetch);

  describeAdapterScenarios(`${name} · memory store`, {
    options: scenarioOptions,
    capabilities: everyHook,
    groups: withoutOutage,
    async setup() {
      const clock = manualClock();
      const store = countingStore(memoryStore({ now: clock.now, warn: false, sweepInterval: 0 }));
      const options = scenarioManagerOptions({ store, now: clock.now, onError: quiet });
      const [server, peer] = await Promise.all([instance(options), instance(options)]);
      return {
        baseUrl: server.url,
        hooks: { clock, ...storeHooks(store), peerBaseUrl: peer.url },
        close: async () => {
          await Promise.all([server.close(), peer.close()]);
        },
      };
    },
  });

  describeAdapterScenarios(`${name} · redis store (REDIS_URL)`, {
    options: scenarioOptions,
    capabilities: everyHook,
    groups: withoutOutage,
    async setup() {
      // Two clients, as two processes would have.
      const [client, peerClient] = await Promise.all([
        redisClient(REDIS_URL, 'REDIS_URL'),
        redisClient(REDIS_URL, 'REDIS_URL'),
      ]);
      const clock = manualClock();
      const prefix = `cloakroom-test:hono:${process.pid}:${Date.now()}:`;
      const store = countingStore(redisStore({ client, prefix }));
      const peerStore = redisStore({ client: peerClient, prefix });
      const [server, peer] = await Promise.all([
        instance(scenarioManagerOptions({ store, now: clock.now, onError: quiet })),
        instance(scenarioManagerOptions({ store: peerStore, now: clock.now, onError: quiet })),
      ]);
      return {
        baseUrl: server.url,
        hooks: { clock, ...storeHooks(store), peerBaseUrl: peer.url },
        close: async () => {
          await Promise.all([server.close(), peer.close()]);
          await deletePrefix(client, prefix);
          client.disconnect();
          peerClient.disconnect();
        },
      };
    },
  });

  describeAdapterScenarios(`${name} · redis store, private redis-server stopped and restarted`, {
    options: scenarioOptions,
    capabilities: { clock: false, storeCalls: false, store: false, storeControl: true },
    groups: ['outage'],
    async setup() {
      const redis: RedisServer = await startRedisServer();
      const client = await redisClient(redis.url, 'REDIS_SERVER_BIN for the redis-server binary');
      const server = await instance(
        scenarioManagerOptions({ store: redisStore({ client }), onError: quiet }),
      );
      return {
        baseUrl: server.url,
        hooks: { storeDown: () => redis.stop(), storeUp: () => redis.start() },
        close: async () => {
          await server.close();
          client.disconnect();
          await redis.close();
        },
      };
    },
  });
}
