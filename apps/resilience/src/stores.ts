// Every store with compare-and-set, on the machine's real servers, isolated per run (a random key prefix
// or table), each with a "peer": the same backend through its own client, as a second process would have.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { type AnySessionStore, memoryStore } from '@cloakroom/session-core';
import {
  createSessionTable,
  dropSessionTable,
  kyselyStore,
  nodeSqliteDatabase,
} from '@cloakroom/session-kysely';
import { memcachedStore } from '@cloakroom/session-memcached';
import { redisStore } from '@cloakroom/session-redis';
import { Redis } from 'ioredis';
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';
import { MYSQL_URL, PG_URL, REDIS_URL } from './servers.ts';

/** The stores with compare-and-set. */
export type StoreKind = 'memory' | 'redis' | 'memcached' | 'postgres' | 'mysql' | 'sqlite';

/** Every store kind, in the order tests list them. */
export const STORE_KINDS: readonly StoreKind[] = [
  'memory',
  'redis',
  'memcached',
  'postgres',
  'mysql',
  'sqlite',
];

/** One store opened for a test, and a second handle on the same data. */
export interface OpenStore {
  readonly kind: StoreKind;
  /** The store the first app uses. */
  readonly store: AnySessionStore;
  /** The same data through its own client (a second process would have its own). */
  readonly peer: AnySessionStore;
  /** Closes both, removes the run's table or keys. */
  close(): Promise<void>;
}

const runId = (): string => randomBytes(5).toString('hex');

async function redisPair(): Promise<OpenStore> {
  const prefix = `cloakroom-resilience:${runId()}:`;
  const clients = [
    new Redis(REDIS_URL, { maxRetriesPerRequest: 1 }),
    new Redis(REDIS_URL, { maxRetriesPerRequest: 1 }),
  ];
  const [store, peer] = clients.map((client): AnySessionStore => redisStore({ client, prefix })) as [
    AnySessionStore,
    AnySessionStore,
  ];
  return {
    kind: 'redis',
    store,
    peer,
    async close() {
      // Only this run's keys, found with SCAN (never KEYS, never FLUSH*).
      const [client] = clients;
      let cursor = '0';
      do {
        const [next, keys] = await client!.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        if (keys.length > 0) await client!.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      await Promise.all(clients.map((client) => client.quit()));
    },
  };
}

function memcachedPair(address: string): OpenStore {
  const prefix = `cr-res-${runId()}:`;
  const store = memcachedStore({ servers: address, prefix });
  const peer = memcachedStore({ servers: address, prefix });
  return {
    kind: 'memcached',
    store,
    peer,
    async close() {
      // Keys expire by themselves (the sessions' TTL); nothing else is shared.
      await Promise.all([store.close(), peer.close()]);
    },
  };
}

async function sqlPair(kind: 'postgres' | 'mysql' | 'sqlite'): Promise<OpenStore> {
  const table = `cr_resilience_${runId()}`;
  let file: string | undefined;
  const open = (): Kysely<unknown> => {
    if (kind === 'postgres') {
      return new Kysely({
        dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: PG_URL, max: 10 }) }),
      });
    }
    if (kind === 'mysql') {
      return new Kysely({
        dialect: new MysqlDialect({ pool: createPool({ uri: MYSQL_URL, connectionLimit: 10 }) }),
      });
    }
    const database = new DatabaseSync(file!);
    database.exec('PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL;');
    return new Kysely({ dialect: new SqliteDialect({ database: nodeSqliteDatabase(database) }) });
  };
  let dir: string | undefined;
  if (kind === 'sqlite') {
    dir = mkdtempSync(join(tmpdir(), 'cr-resilience-'));
    file = join(dir, 'sessions.db');
  }
  const dbs = [open(), open()] as const;
  await createSessionTable(dbs[0], { table });
  const store: AnySessionStore = kyselyStore({ db: dbs[0], table, cleanup: false });
  const peer: AnySessionStore = kyselyStore({ db: dbs[1], table, cleanup: false });
  return {
    kind,
    store,
    peer,
    async close() {
      await dropSessionTable(dbs[0], { table });
      await Promise.all(dbs.map((db) => db.destroy()));
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Opens `kind` for one test file.
 * @throws the client's error (naming the server) when the server does not answer.
 */
export async function openStore(kind: StoreKind, memcachedUrl: string): Promise<OpenStore> {
  switch (kind) {
    case 'memory': {
      // One process's memory: the "peer" is a second manager over the same store object.
      const store = memoryStore({ warn: false });
      return { kind, store, peer: store, close: () => store.close() };
    }
    case 'redis':
      return redisPair();
    case 'memcached':
      return memcachedPair(memcachedUrl);
    default:
      return sqlPair(kind);
  }
}

/** A store that remembers the keys sessions were created under (to plant records under them). */
export interface KeyedStore {
  readonly store: AnySessionStore;
  /** Keys passed to `create`, oldest first. */
  readonly created: string[];
}

/**
 * Wraps a store to record the keys of `create` calls; every call goes to the store itself (bound to
 * it, so stores with private fields work) and the wrapper has exactly its capabilities.
 */
export function keyed(store: AnySessionStore): KeyedStore {
  const created: string[] = [];
  const wrapper = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (property === 'create') {
        return (key: string, ...rest: unknown[]) => {
          created.push(key);
          return Reflect.apply(value, target, [key, ...rest]) as unknown;
        };
      }
      return (...args: unknown[]) => Reflect.apply(value, target, args) as unknown;
    },
  });
  return { store: wrapper, created };
}
