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
import { memoryStore } from '@cloakroom/session-core';
import { redisStore } from '@cloakroom/session-redis';
import { Redis } from 'ioredis';

import { scenarioApp } from './scenario-app.ts';
import { listen } from './test-support.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
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

{
  const name = 'hono 4 on @hono/node-server';
  describeAdapterScenarios(`${name} · memory store`, {
    options: scenarioOptions,
    capabilities: { clock: true, storeCalls: true, store: true, storeControl: false },
    groups: withoutOutage,
    async setup() {
      const clock = manualClock();
      const store = countingStore(memoryStore({ now: clock.now, warn: false, sweepInterval: 0 }));
      const app = scenarioApp(scenarioManagerOptions({ store, now: clock.now, onError: quiet }));
      const server = await listen(app.fetch);
      return { baseUrl: server.url, hooks: { clock, ...storeHooks(store) }, close: server.close };
    },
  });

  describeAdapterScenarios(`${name} · redis store (REDIS_URL)`, {
    options: scenarioOptions,
    capabilities: { clock: true, storeCalls: true, store: true, storeControl: false },
    groups: withoutOutage,
    async setup() {
      const client = await redisClient(REDIS_URL, 'REDIS_URL');
      const clock = manualClock();
      const prefix = `cloakroom-hono-test:${process.pid}:${Date.now()}:`;
      const store = countingStore(redisStore({ client, prefix }));
      const app = scenarioApp(scenarioManagerOptions({ store, now: clock.now, onError: quiet }));
      const server = await listen(app.fetch);
      const close = async (): Promise<void> => {
        await server.close();
        // Only this run's keys, never a FLUSHDB.
        const keys = await client.keys(`${prefix}*`);
        if (keys.length > 0) await client.del(...keys);
        client.disconnect();
      };
      return { baseUrl: server.url, hooks: { clock, ...storeHooks(store) }, close };
    },
  });

  describeAdapterScenarios(`${name} · redis store, private redis-server stopped and restarted`, {
    options: scenarioOptions,
    capabilities: { clock: false, storeCalls: false, store: false, storeControl: true },
    groups: ['outage'],
    async setup() {
      const redis: RedisServer = await startRedisServer();
      const client = await redisClient(redis.url, 'REDIS_SERVER_BIN for the redis-server binary');
      const app = scenarioApp(scenarioManagerOptions({ store: redisStore({ client }), onError: quiet }));
      const server = await listen(app.fetch);
      const close = async (): Promise<void> => {
        await server.close();
        client.disconnect();
        await redis.close();
      };
      return {
        baseUrl: server.url,
        hooks: { storeDown: () => redis.stop(), storeUp: () => redis.start() },
        close,
      };
    },
  });
}
