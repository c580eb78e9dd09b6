// Registers the scenario suite against one Express version: memory store, the machine's Redis
// (REDIS_URL) and, for the outage scenario, a private redis-server this test starts and stops.
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
import type express from 'express';
import { Redis } from 'ioredis';
import type { SessionOptions } from '../session.ts';
import { type Listening, listen, scenarioApp } from './scenario-app.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const everyHook = { clock: true, storeCalls: true, store: true, storeControl: false, peer: true } as const;
const allButOutage = scenarioGroups.filter((group) => group !== 'outage');

/** Connects to the machine's Redis, or fails naming the server and the variable. */
export async function connectRedis(): Promise<Redis> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    throw new Error(
      `Redis at ${REDIS_URL} is unreachable (${(error as Error).message}); start it or point REDIS_URL at one.`,
    );
  }
  return client;
}

async function deletePrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await client.del(...keys);
  } while (cursor !== '0');
}

/** Two instances of the app, each with its own session manager, over one store: two processes, in effect. */
async function twoInstances(
  framework: typeof express,
  options: SessionOptions,
): Promise<[Listening, Listening]> {
  return Promise.all([listen(scenarioApp(framework, options)), listen(scenarioApp(framework, options))]);
}

export function describeExpressScenarios(name: string, framework: typeof express): void {
  describeAdapterScenarios(`${name} · memory store`, {
    options: scenarioOptions,
    capabilities: everyHook,
    groups: allButOutage,
    async setup() {
      const clock = manualClock();
      const store = countingStore(memoryStore({ now: clock.now, warn: false, sweepInterval: 0 }));
      const [server, peer] = await twoInstances(framework, scenarioManagerOptions({ store, now: clock.now }));
      return {
        baseUrl: server.baseUrl,
        hooks: { clock, ...storeHooks(store), peerBaseUrl: peer.baseUrl },
        close: async () => {
          await Promise.all([server.close(), peer.close()]);
        },
      };
    },
  });

  describeAdapterScenarios(`${name} · Redis store (REDIS_URL)`, {
    options: scenarioOptions,
    capabilities: everyHook,
    groups: allButOutage,
    async setup() {
      const client = await connectRedis();
      const prefix = `cloakroom-test:express:${randomUUID()}:`;
      const clock = manualClock();
      const store = countingStore(redisStore({ client, prefix }));
      const [server, peer] = await twoInstances(framework, scenarioManagerOptions({ store, now: clock.now }));
      return {
        baseUrl: server.baseUrl,
        hooks: { clock, ...storeHooks(store), peerBaseUrl: peer.baseUrl },
        async close() {
          await Promise.all([server.close(), peer.close()]);
          await deletePrefix(client, prefix);
          client.disconnect();
        },
      };
    },
  });

  describeAdapterScenarios(`${name} · Redis store on a private redis-server that goes down`, {
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
      const server = await listen(
        scenarioApp(framework, scenarioManagerOptions({ store, now: clock.now, onError: () => undefined })),
      );
      return {
        baseUrl: server.baseUrl,
        hooks: {
          clock,
          ...storeHooks(store),
          storeDown: () => redis.stop(),
          storeUp: () => redis.start(),
        },
        async close() {
          await server.close();
          client.disconnect();
          await redis.close();
        },
      };
    },
  });
}
