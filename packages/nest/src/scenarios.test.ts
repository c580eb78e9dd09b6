// The shared HTTP scenario suite, on Nest's Express and Fastify platforms, with the memory store, the
// machine's Redis (REDIS_URL) and, for the outage scenario, a private redis-server that goes down.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import {
  countingStore,
  describeAdapterScenarios,
  manualClock,
  scenarioGroups,
  scenarioManagerOptions,
  scenarioOptions,
  startRedisServer,
  storeHooks,
} from '@cloakroom/session-adapter-test';
import { memoryStore } from '@cloakroom/session-core';
import { redisStore } from '@cloakroom/session-redis';
import { Redis } from 'ioredis';
import { SessionModule } from './session-module.ts';
import { connectRedis, deletePrefix } from './testing/redis.ts';
import { type Platform, startApp } from './testing/scenario-app.ts';

const everyHook = { clock: true, storeCalls: true, store: true, storeControl: false } as const;
const allButOutage = scenarioGroups.filter((group) => group !== 'outage');

for (const platform of ['express', 'fastify'] as const satisfies readonly Platform[]) {
  describeAdapterScenarios(`nest on ${platform} · memory store`, {
    options: scenarioOptions,
    capabilities: everyHook,
    groups: allButOutage,
    async setup() {
      const clock = manualClock();
      const store = countingStore(memoryStore({ now: clock.now, warn: false, sweepInterval: 0 }));
      const options = { ...scenarioManagerOptions({ store, now: clock.now }), csrf: true };
      const running = await startApp(platform, [SessionModule.forRoot(options)]);
      return { baseUrl: running.baseUrl, hooks: { clock, ...storeHooks(store) }, close: running.close };
    },
  });

  describeAdapterScenarios(`nest on ${platform} · Redis store (REDIS_URL)`, {
    options: scenarioOptions,
    capabilities: everyHook,
    groups: allButOutage,
    async setup() {
      const client = await connectRedis();
      const prefix = `cloakroom-test:nest:${randomUUID()}:`;
      const clock = manualClock();
      const store = countingStore(redisStore({ client, prefix }));
      const options = { ...scenarioManagerOptions({ store, now: clock.now }), csrf: true };
      const running = await startApp(platform, [SessionModule.forRoot(options)]);
      return {
        baseUrl: running.baseUrl,
        hooks: { clock, ...storeHooks(store) },
        async close() {
          await running.close();
          await deletePrefix(client, prefix);
          client.disconnect();
        },
      };
    },
  });

  describeAdapterScenarios(`nest on ${platform} · Redis store on a private redis-server that goes down`, {
    options: scenarioOptions,
    capabilities: { ...everyHook, storeControl: true },
    groups: ['outage'],
    async setup() {
      const redis = await startRedisServer();
      // Fail fast while the server is gone, reconnect quickly when it is back.
      const client = new Redis(redis.url, {
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        retryStrategy: () => 50,
        connectTimeout: 1_000,
      });
      client.on('error', () => undefined);
      if (client.status !== 'ready') await once(client, 'ready');
      const clock = manualClock();
      const store = countingStore(redisStore({ client, timeout: 1_000 }));
      const options = {
        ...scenarioManagerOptions({ store, now: clock.now, onError: () => undefined }),
        csrf: true,
      };
      const running = await startApp(platform, [SessionModule.forRoot(options)]);
      return {
        baseUrl: running.baseUrl,
        hooks: { clock, ...storeHooks(store), storeDown: () => redis.stop(), storeUp: () => redis.start() },
        async close() {
          await running.close();
          client.disconnect();
          await redis.close();
        },
      };
    },
  });
}
