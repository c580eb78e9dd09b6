// core's tieredStore() over real databases: a memory cache over SQLite, and Redis over PostgreSQL
// (through @cloakroom/session-redis), with the conformance suite and the cache-down cases.
import {
  type AnySessionStore,
  type MemoryStore,
  memoryStore,
  SessionStoreError,
  type SessionWrite,
  type TieredSessionStore,
  tieredStore,
} from '@cloakroom/session-core';
import { redisStore } from '@cloakroom/session-redis';
import { describeStoreConformance } from '@cloakroom/session-store-test';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type KyselySessionStore, kyselyStore } from './kysely-store.ts';
import { createSessionTable, dropSessionTable } from './schema.ts';
import {
  betterSqliteMemory,
  nodeSqliteFile,
  postgres,
  Relay,
  randomKey,
  randomTable,
  rowExpiry,
  type TestDatabase,
  type TestTarget,
} from './test-databases.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const HOUR = 3_600_000;

const write = (data: string, expiresAt = Date.now() + HOUR, userId: string | null = null): SessionWrite => ({
  data,
  expiresAt,
  absoluteExpiresAt: expiresAt,
  userId,
});

/** ioredis options from the Redis package's README: fail in well under a second while Redis is away. */
async function connectRedis(url: string): Promise<Redis> {
  const client = new Redis(url, {
    commandTimeout: 500,
    maxRetriesPerRequest: 1,
    retryStrategy: (times: number) => Math.min(times * 50, 500),
    lazyConnect: true,
  });
  client.on('error', () => {}); // failures reach the store's callers; ioredis would also print them
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    throw new Error(`Redis is unreachable at ${url} (set REDIS_URL): ${(error as Error).message}`);
  }
  return client;
}

/** Deletes a run's keys with SCAN (never KEYS, never FLUSH). */
async function deletePrefix(client: Redis, prefix: string): Promise<void> {
  for await (const keys of client.scanStream({ match: `${prefix}*`, count: 500 })) {
    if ((keys as string[]).length > 0) await client.del(...(keys as string[]));
  }
}

/**
 * A cache whose server became unreachable: while `down`, every method rejects with
 * SessionStoreError. It stands for an unreachable cache; what it held stays there, as in an outage.
 */
function unreachable(inner: MemoryStore): AnySessionStore & { down: boolean } {
  const state = { down: false };
  const guard =
    <A extends unknown[], R>(op: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      if (state.down)
        throw new SessionStoreError(op, `cache ${op} failed`, new Error('connect ECONNREFUSED'));
      return fn(...args);
    };
  return Object.assign(state, {
    get: guard('get', (key: string) => inner.get(key)),
    create: guard('create', (key: string, w: SessionWrite) => inner.create(key, w)),
    set: guard('set', (key: string, w: SessionWrite) => inner.set(key, w)),
    touch: guard('touch', (key: string, at: number) => inner.touch(key, at)),
    delete: guard('delete', (key: string) => inner.delete(key)),
    close: () => inner.close(),
  });
}

// The conformance suite, on memory over SQLite (both drivers) and on Redis over PostgreSQL.
for (const target of [betterSqliteMemory, nodeSqliteFile] as TestTarget[]) {
  const table = randomTable();
  let database: TestDatabase | undefined;
  describeStoreConformance<TieredSessionStore<KyselySessionStore>>({
    name: `tiered/memory over ${target.name}`,
    createStore: async () => {
      database = await target.open();
      await createSessionTable(database.db, { table });
      return tieredStore({
        cache: memoryStore({ warn: false }),
        durable: kyselyStore({ db: database.db, table, cleanup: false }),
      });
    },
    cleanup: async (store) => {
      await store.close();
      if (database) {
        await dropSessionTable(database.db, { table });
        await database.close();
      }
    },
    capabilities: { compareAndSet: true, getAndTouch: true, userIndex: true, deleteExpired: true },
    backendExpiry: (_store, key) => (database ? rowExpiry(database.db, table, key) : null),
  });
}

{
  const table = randomTable();
  const prefix = `cloakroom-test:${randomTable()}:`;
  let database: TestDatabase | undefined;
  let client: Redis | undefined;
  describeStoreConformance<TieredSessionStore<KyselySessionStore>>({
    name: 'tiered/redis over postgres',
    createStore: async () => {
      client = await connectRedis(REDIS_URL);
      database = await postgres.open();
      await createSessionTable(database.db, { table });
      return tieredStore({
        cache: redisStore({ client, prefix }),
        durable: kyselyStore({ db: database.db, table, cleanup: false }),
      });
    },
    cleanup: async (store) => {
      await store.close();
      if (client) {
        await deletePrefix(client, prefix);
        client.disconnect();
      }
      if (database) {
        await dropSessionTable(database.db, { table });
        await database.close();
      }
    },
    capabilities: { compareAndSet: true, getAndTouch: true, userIndex: true, deleteExpired: true },
    backendExpiry: (_store, key) => (database ? rowExpiry(database.db, table, key) : null),
  });
}

describe('tieredStore() with an unreachable memory cache over SQLite', () => {
  let database: TestDatabase;
  const table = randomTable();
  let rawCache: MemoryStore;
  let cache: ReturnType<typeof unreachable>;
  let store: TieredSessionStore<KyselySessionStore>;
  const errors: SessionStoreError[] = [];

  beforeAll(async () => {
    database = await betterSqliteMemory.open();
    await createSessionTable(database.db, { table });
    rawCache = memoryStore({ warn: false });
    cache = unreachable(rawCache);
    store = tieredStore({
      cache,
      durable: kyselyStore({ db: database.db, table, cleanup: false }),
      retryMs: 100,
      onError: (error) => errors.push(error),
    });
  });

  afterAll(async () => {
    await store.close();
    await dropSessionTable(database.db, { table });
    await database.close();
  });

  it('keeps serving from SQLite, and a session destroyed meanwhile stays destroyed', async () => {
    const [kept, destroyed] = [randomKey(), randomKey()];
    const keptVersion = await store.set(kept, write('kept', Date.now() + HOUR, 'u'));
    await store.set(destroyed, write('destroyed', Date.now() + HOUR, 'u'));
    expect(await rawCache.get(destroyed)).not.toBeNull();

    cache.down = true;
    expect(await store.get(kept)).toMatchObject({ data: 'kept', version: keptVersion });
    const next = await store.compareAndSet(kept, keptVersion, write('kept 2', Date.now() + HOUR, 'u'));
    expect(next).not.toBeNull();
    await store.delete(destroyed);
    expect((await store.listByUser('u')).map((s) => s.key)).toEqual([kept]);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e instanceof SessionStoreError && e.operation.startsWith('cache.'))).toBe(
      true,
    );

    cache.down = false; // back, with the copies it held before the outage
    expect(await rawCache.get(destroyed)).not.toBeNull();
    expect(await store.get(destroyed)).toBeNull();
    expect(await store.get(kept)).toMatchObject({ data: 'kept 2', version: next });
    await vi.waitFor(async () => expect(await rawCache.get(destroyed)).toBeNull(), {
      timeout: 2000,
      interval: 20,
    });
    expect(await store.get(destroyed)).toBeNull();
  });
});

describe('tieredStore() with Redis over PostgreSQL when Redis becomes unreachable', () => {
  let database: TestDatabase;
  let direct: Redis;
  let relayed: Redis;
  const table = randomTable();
  const prefix = `cloakroom-test:${randomTable()}:`;
  const upstream = new URL(REDIS_URL);
  const relay = new Relay(upstream.hostname, Number(upstream.port || 6379));
  let a: TieredSessionStore<KyselySessionStore>;
  let b: TieredSessionStore<KyselySessionStore>;
  const errors: SessionStoreError[] = [];

  beforeAll(async () => {
    direct = await connectRedis(REDIS_URL);
    database = await postgres.open();
    await createSessionTable(database.db, { table });
    await relay.start();
    const relayedUrl = new URL(REDIS_URL);
    relayedUrl.hostname = '127.0.0.1';
    relayedUrl.port = String(relay.port);
    relayed = await connectRedis(relayedUrl.toString());
    // Process a reaches Redis through the relay; process b directly, and never sees the outage.
    a = tieredStore({
      cache: redisStore({ client: relayed, prefix, timeout: 500 }),
      durable: kyselyStore({ db: database.db, table, cleanup: false }),
      retryMs: 200,
      onError: (error) => errors.push(error),
    });
    b = tieredStore({
      cache: redisStore({ client: direct, prefix }),
      durable: kyselyStore({ db: database.db, table, cleanup: false }),
    });
  });

  afterAll(async () => {
    await relay.cut();
    await a?.close();
    await b?.close();
    relayed?.disconnect();
    if (direct) {
      await deletePrefix(direct, prefix);
      direct.disconnect();
    }
    if (database) {
      await dropSessionTable(database.db, { table });
      await database.close();
    }
  });

  const cached = async (key: string) => (await direct.exists(`${prefix}s:${key}`)) === 1;

  it('serves from PostgreSQL during the outage; a session destroyed meanwhile does not come back', async () => {
    const [kept, destroyed] = [randomKey(), randomKey()];
    await a.set(kept, write('kept'));
    await a.set(destroyed, write('destroyed'));
    expect(await cached(destroyed)).toBe(true);

    await relay.cut();
    const started = performance.now();
    expect((await a.get(kept))?.data).toBe('kept');
    expect(performance.now() - started).toBeLessThan(1500);
    await a.delete(destroyed);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]?.operation).toMatch(/^cache\./);
    // Redis still holds the copy a could not remove.
    expect(await cached(destroyed)).toBe(true);

    await relay.start();
    expect(await a.get(destroyed)).toBeNull();
    // a's remembered removal reaches Redis once it reconnects, without a request for that key.
    await vi.waitFor(async () => expect(await cached(destroyed)).toBe(false), {
      timeout: 5000,
      interval: 50,
    });
    expect(await b.get(destroyed)).toBeNull();
    expect((await b.get(kept))?.data).toBe('kept');
    expect((await a.get(kept))?.data).toBe('kept');
  });
});
