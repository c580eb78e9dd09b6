// A database that goes away: the real servers stay up; the store reaches them through a TCP relay on
// a spare loopback port that this test cuts, blackholes and restores (a network outage, not a mock).
import { SessionStoreError } from '@cloakroom/session-core';
import { Kysely, MysqlDialect, PostgresDialect } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyKysely, SqlDialect } from './dialect.ts';
import { type KyselySessionStore, kyselyStore } from './kysely-store.ts';
import { createSessionTable, dropSessionTable } from './schema.ts';
import {
  MYSQL_URL,
  mariadb,
  PG_URL,
  postgres,
  Relay,
  randomKey,
  randomTable,
  type TestDatabase,
} from './test-databases.ts';

const HOUR = 3_600_000;

interface Case {
  readonly target: typeof postgres;
  readonly url: string;
  connect(url: string): AnyKysely;
}

const cases: Case[] = [
  {
    target: postgres,
    url: PG_URL,
    connect: (url) => {
      // A pool with no connection timeout of its own: the store's timeoutMs must bound the wait.
      const pool = new pg.Pool({ connectionString: url, max: 3, connectionTimeoutMillis: 0 });
      // pg emits 'error' on a client whose connection dies. The pool listens while the client is idle
      // (and re-emits on the pool); while Kysely holds it for a query nobody does, and an unhandled
      // 'error' event would end the process, although the query itself already rejected. The README
      // asks for both listeners.
      pool.on('error', () => {});
      pool.on('connect', (client) => client.on('error', () => {}));
      return new Kysely({ dialect: new PostgresDialect({ pool }) });
    },
  },
  {
    target: mariadb,
    url: MYSQL_URL,
    connect: (url) =>
      new Kysely({ dialect: new MysqlDialect({ pool: createPool({ uri: url, connectionLimit: 3 }) }) }),
  },
];

function through(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(port);
  return parsed.toString();
}

async function failsFast(
  store: KyselySessionStore,
  key: string,
  withinMs: number,
): Promise<SessionStoreError> {
  const started = performance.now();
  const error = await store.get(key).then(
    () => new Error('get() resolved while the database was unreachable'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SessionStoreError);
  expect(performance.now() - started).toBeLessThan(withinMs);
  return error as SessionStoreError;
}

async function recovers(store: KyselySessionStore, key: string): Promise<void> {
  // The pool may still hand out a connection that died with the relay: allow a few fresh attempts.
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      expect((await store.get(key))?.data).toBe('kept');
      return;
    } catch (error) {
      expect(error).toBeInstanceOf(SessionStoreError);
    }
  }
  throw new Error('the store did not recover after the database came back');
}

describe.each(cases)('kyselyStore() when $target.name becomes unreachable', ({ target, url, connect }) => {
  let direct: TestDatabase;
  let relayed: AnyKysely;
  let store: KyselySessionStore;
  let dialect: SqlDialect;
  const table = randomTable();
  const upstream = new URL(url);
  const relay = new Relay(
    upstream.hostname,
    Number(upstream.port || (target.dialect === 'postgres' ? 5432 : 3306)),
  );
  const key = randomKey();

  beforeAll(async () => {
    direct = await target.open();
    dialect = target.dialect;
    await createSessionTable(direct.db, { table });
    await relay.start();
    relayed = connect(through(url, relay.port));
    store = kyselyStore({ db: relayed, table, cleanup: false, timeoutMs: 800 });
    const now = Date.now();
    await store.create(key, {
      data: 'kept',
      expiresAt: now + HOUR,
      absoluteExpiresAt: now + HOUR,
      userId: null,
    });
  });

  afterAll(async () => {
    await relay.cut();
    await store?.close();
    await relayed?.destroy().catch(() => {});
    if (direct) {
      await dropSessionTable(direct.db, { table });
      await direct.close();
    }
  });

  it('fails fast with SessionStoreError when connections are refused, and recovers when the server is back', async () => {
    expect(dialect).toBe(store.dialect);
    expect((await store.get(key))?.data).toBe('kept');
    await relay.cut();
    const error = await failsFast(store, key, 2000);
    expect(error.code).toBe('SESSION_STORE');
    expect(error.status).toBe(503);
    expect(String((error.cause as Error).message)).not.toContain('postgres://');
    await relay.start();
    await recovers(store, key);
  });

  it('gives up after timeoutMs when the server accepts but never answers, and recovers', async () => {
    await relay.cut();
    await relay.start('blackhole');
    // A pool that never connected, so nothing fails early on a connection that died with the relay.
    const cold = connect(through(url, relay.port));
    try {
      const coldStore = kyselyStore({ db: cold, table, cleanup: false, timeoutMs: 500 });
      const started = performance.now();
      await failsFast(coldStore, key, 2000);
      expect(performance.now() - started).toBeGreaterThanOrEqual(450);
      await relay.cut();
      await relay.start();
      await recovers(coldStore, key);
    } finally {
      await cold.destroy().catch(() => {});
    }
  });
});
