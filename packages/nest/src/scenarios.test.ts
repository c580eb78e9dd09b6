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
import type { SessionModuleOptions } from './options.ts';
import { SessionModule } from './session-module.ts';
import { connectRedis, deletePrefix } from './testing/redis.ts';
import { type Platform, startApp } from './testing/scenario-app.ts';

const everyHook = { clock: true, storeCalls: true, store: true, storeControl: false, peer: true } as const;

/** Two instances of the app (each with its own session manager) over one store, as two processes would be. */
async function startPair(
  platform: Platform,
  options: SessionModuleOptions,
): Promise<{ baseUrl: string; peerBaseUrl: string; close(): Promise<void> }> {
  const first = await startApp(platform, { imports: [SessionModule.forRoot(options)] });
  const second = await startApp(platform, { imports: [SessionModule.forRoot(options)] });
  return {
    baseUrl: first.baseUrl,
    peerBaseUrl: second.baseUrl,
    async close() {
      await Promise.all([first.close(), second.close()]);
    },
  };
}
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
      const pair = await startPair(platform, options);
      const hooks = { clock, ...storeHooks(store), peerBaseUrl: pair.peerBaseUrl };
      return { baseUrl: pair.baseUrl, hooks, close: pair.close };
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
      const pair = await startPair(platform, options);
      const hooks = { clock, ...storeHooks(store), peerBaseUrl: pair.peerBaseUrl };
      return {
        baseUrl: pair.baseUrl,
        hooks,
        async close() {
          await pair.close();
          await deletePrefix(client, prefix);
          client.disconnect();
        },
      };
    },
  });

  describeAdapterScenarios(`nest on ${platform} · Redis store on a private redis-server that goes down`, {
    options: scenarioOptions,
    capabilities: { ...everyHook, storeControl: true, peer: false },
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
      const running = await startApp(platform, { imports: [SessionModule.forRoot(options)] });
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
