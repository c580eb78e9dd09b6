import { SessionStoreError, type SessionWrite } from '@cloakroom/session-core';
import { Kysely, type KyselyPlugin, MysqlDialect, type RootOperationNode } from 'kysely';
import { createPool } from 'mysql2';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AnyKysely } from './dialect.ts';
import { type KyselySessionStore, kyselyStore } from './kysely-store.ts';
import { createSessionTable, dropSessionTable } from './schema.ts';
import {
  ALL_TARGETS,
  betterSqliteMemory,
  countRows,
  MYSQL_URL,
  randomKey,
  randomTable,
  rowExpiry,
  type TestDatabase,
} from './test-databases.ts';

const HOUR = 3_600_000;

function write(data: string, expiresAt: number, userId: string | null = null): SessionWrite {
  return { data, expiresAt, absoluteExpiresAt: expiresAt + HOUR, userId };
}

/** Records the kind of every statement a Kysely instance runs (`DeleteQueryNode`, `RawNode`, …). */
function statementCounter(): KyselyPlugin & { kinds: string[]; readonly deletes: number } {
  return {
    kinds: [],
    get deletes() {
      return this.kinds.filter((kind) => kind === 'DeleteQueryNode').length;
    },
    transformQuery(args): RootOperationNode {
      this.kinds.push(args.node.kind);
      return args.node;
    },
    async transformResult(args) {
      return args.result;
    },
  };
}

describe.each(ALL_TARGETS)('kyselyStore() on $name', (target) => {
  let database: TestDatabase;
  let db: AnyKysely;
  const table = randomTable();
  let clock = Date.UTC(2026, 10, 22, 12);
  const now = () => clock;
  let store: KyselySessionStore;

  beforeAll(async () => {
    database = await target.open();
    db = database.db;
    await createSessionTable(db, { table });
    store = kyselyStore({ db, table, now, cleanup: false });
  });

  afterAll(async () => {
    await store?.close();
    if (db) await dropSessionTable(db, { table });
    await database?.close();
  });

  afterEach(async () => {
    clock = Date.UTC(2026, 10, 22, 12);
    await db.deleteFrom(table).execute();
  });

  it('detects the dialect and keeps the table name', () => {
    expect(store.dialect).toBe(target.dialect);
    expect(store.table).toBe(table);
  });

  describe('create()', () => {
    it('inserts, then reports a collision without overwriting', async () => {
      const key = randomKey();
      expect(await store.create(key, write('first', clock + HOUR))).toBe('1');
      expect(await store.create(key, write('second', clock + 2 * HOUR))).toBeNull();
      expect(await store.get(key)).toEqual({ data: 'first', expiresAt: clock + HOUR, version: '1' });
    });

    it('reuses the key of a row that expired but was not cleaned up yet', async () => {
      const key = randomKey();
      await store.create(key, write('old', clock + 1000, 'u1'));
      clock += 2000;
      expect(await store.create(key, write('new', clock + HOUR))).toBe('1');
      expect(await store.get(key)).toEqual({ data: 'new', expiresAt: clock + HOUR, version: '1' });
      expect(await store.listByUser('u1')).toEqual([]);
    });

    it('keeps keys that differ only in letter case apart', async () => {
      const lower = `a${randomKey().slice(1)}`;
      const upper = `A${lower.slice(1)}`;
      expect(await store.create(lower, write('lower', clock + HOUR))).toBe('1');
      expect(await store.create(upper, write('upper', clock + HOUR))).toBe('1');
      expect((await store.get(lower))?.data).toBe('lower');
      expect((await store.get(upper))?.data).toBe('upper');
    });
  });

  describe('get()', () => {
    it('ignores an expired row that is still in the table', async () => {
      const key = randomKey();
      await store.create(key, write('x', clock + 1000));
      clock += 1000;
      expect(await store.get(key)).toBeNull();
      expect(await rowExpiry(db, table, key)).toBe(clock);
    });

    it('round-trips any Unicode payload byte for byte', async () => {
      const key = randomKey();
      const data = JSON.stringify({ emoji: '🍪', rtl: 'שלום', nul: 'a\u0001b', big: 'x'.repeat(70_000) });
      await store.set(key, write(data, clock + HOUR));
      expect((await store.get(key))?.data).toBe(data);
    });
  });

  describe('set()', () => {
    it('inserts at version 1 and bumps the version on every write', async () => {
      const key = randomKey();
      expect(await store.set(key, write('a', clock + HOUR))).toBe('1');
      expect(await store.set(key, write('b', clock + 2 * HOUR, 'u'))).toBe('2');
      expect(await store.get(key)).toEqual({ data: 'b', expiresAt: clock + 2 * HOUR, version: '2' });
      expect(await store.listByUser('u')).toHaveLength(1);
    });
  });

  describe('compareAndSet()', () => {
    it('writes only over the expected version', async () => {
      const key = randomKey();
      const v1 = (await store.create(key, write('a', clock + HOUR)))!;
      const v2 = await store.compareAndSet(key, v1, write('b', clock + HOUR));
      expect(v2).toBe('2');
      expect(await store.compareAndSet(key, v1, write('stale', clock + HOUR))).toBeNull();
      expect(await store.get(key)).toEqual({ data: 'b', expiresAt: clock + HOUR, version: '2' });
    });

    it('lets exactly one of two writers with the same version win', async () => {
      const key = randomKey();
      const v1 = (await store.create(key, write('a', clock + HOUR)))!;
      const results = await Promise.all([
        store.compareAndSet(key, v1, write('left', clock + HOUR)),
        store.compareAndSet(key, v1, write('right', clock + HOUR)),
      ]);
      expect(results.filter((r) => r !== null)).toEqual(['2']);
    });

    it('writing the same data again still counts as a write (MySQL affected vs found rows)', async () => {
      const key = randomKey();
      const v1 = (await store.create(key, write('same', clock + HOUR)))!;
      expect(await store.compareAndSet(key, v1, write('same', clock + HOUR))).toBe('2');
    });

    it('is a conflict for a missing, expired or malformed version', async () => {
      const key = randomKey();
      expect(await store.compareAndSet(key, '1', write('x', clock + HOUR))).toBeNull();
      expect(await store.get(key)).toBeNull();
      await store.create(key, write('a', clock + 1000));
      expect(await store.compareAndSet(key, 'abc', write('x', clock + HOUR))).toBeNull();
      expect(await store.compareAndSet(key, '1; drop table x', write('x', clock + HOUR))).toBeNull();
      clock += 1000;
      expect(await store.compareAndSet(key, '1', write('x', clock + HOUR))).toBeNull();
      expect(await store.get(key)).toBeNull();
    });
  });

  describe('touch()', () => {
    it('moves only the expiry and keeps the version', async () => {
      const key = randomKey();
      await store.create(key, write('a', clock + 1000, 'u'));
      await store.touch(key, clock + HOUR);
      clock += 5000;
      expect(await store.get(key)).toEqual({ data: 'a', expiresAt: clock - 5000 + HOUR, version: '1' });
    });

    it('never revives an expired row, and a missing key is not an error', async () => {
      const key = randomKey();
      await store.create(key, write('a', clock + 1000));
      clock += 1000;
      await expect(store.touch(key, clock + HOUR)).resolves.toBe(false);
      expect(await store.get(key)).toBeNull();
      await expect(store.touch(randomKey(), clock + HOUR)).resolves.toBe(false);
      const live = randomKey();
      await store.create(live, write('b', clock + 1000));
      await expect(store.touch(live, clock + HOUR)).resolves.toBe(true);
    });
  });

  describe('getAndTouch()', () => {
    /** Due within 50 minutes, moved an hour out. */
    const touch = () => ({ now: clock, ifExpiresBy: clock + 50 * 60_000, expiresAt: clock + HOUR });

    it(`costs ${target.name === 'postgres' ? 'one statement, due or not' : 'one statement, and a second (the UPDATE) only when due'}`, async () => {
      const counter = statementCounter();
      const counted = kyselyStore({ db: db.withPlugin(counter), table, now, cleanup: false });
      const key = randomKey();
      await store.create(key, write('a', clock + 10 * 60_000, 'u'));
      counter.kinds.length = 0;
      expect(await counted.getAndTouch(key, touch())).toEqual({
        data: 'a',
        expiresAt: clock + HOUR,
        version: '1',
        touched: true,
      });
      const due = [...counter.kinds];
      counter.kinds.length = 0;
      expect(await counted.getAndTouch(key, touch())).toMatchObject({
        expiresAt: clock + HOUR,
        touched: false,
      });
      const notDue = [...counter.kinds];
      counter.kinds.length = 0;
      expect(await counted.getAndTouch(randomKey(), touch())).toBeNull();
      expect(counter.kinds).toHaveLength(1);
      if (target.name === 'postgres') {
        expect(due).toEqual(['RawNode']);
        expect(notDue).toEqual(['RawNode']);
      } else {
        expect(due).toEqual(['SelectQueryNode', 'UpdateQueryNode']);
        expect(notDue).toEqual(['SelectQueryNode']);
      }
      await counted.close();
    });

    it('never revives an expired row, by the store’s clock', async () => {
      const key = randomKey();
      await store.create(key, write('a', clock + 1000));
      clock += 1000;
      expect(await store.getAndTouch(key, touch())).toBeNull();
      clock -= 1000;
      expect(await store.get(key)).toMatchObject({ expiresAt: clock + 1000 });
    });
  });

  describe('delete()', () => {
    it('removes the row; a missing key is not an error', async () => {
      const key = randomKey();
      await store.create(key, write('a', clock + HOUR, 'u'));
      await store.delete(key);
      expect(await store.get(key)).toBeNull();
      expect(await store.listByUser('u')).toEqual([]);
      await expect(store.delete(key)).resolves.toBeUndefined();
    });
  });

  describe('listByUser()', () => {
    it("lists a user's live sessions only", async () => {
      const [a, b, c, d] = [randomKey(), randomKey(), randomKey(), randomKey()];
      await store.create(a, write('a', clock + HOUR, 'alice'));
      await store.create(b, write('b', clock + 1000, 'alice'));
      await store.create(c, write('c', clock + HOUR, 'ALICE'));
      await store.create(d, write('d', clock + HOUR, null));
      clock += 1000;
      expect(await store.listByUser('alice')).toEqual([
        { key: a, data: 'a', version: '1', expiresAt: clock - 1000 + HOUR },
      ]);
      expect((await store.listByUser('ALICE')).map((s) => s.key)).toEqual([c]);
      expect(await store.listByUser('nobody')).toEqual([]);
    });

    it('compares the user id exactly: trailing spaces, case and Unicode spaces count', async () => {
      const users = ['alice', 'alice ', 'alice  ', 'Alice', 'alice\u00a0', 'alicé'];
      const keys = new Map(users.map((user) => [user, randomKey()]));
      for (const [user, key] of keys) await store.create(key, write(user, clock + HOUR, user));
      for (const [user, key] of keys) {
        expect(
          (await store.listByUser(user)).map((s) => s.key),
          JSON.stringify(user),
        ).toEqual([key]);
      }
    });
  });

  describe('deleteExpired()', () => {
    it('deletes exactly the expired rows, in batches of batchSize', async () => {
      const counter = statementCounter();
      const batched = kyselyStore({
        db: db.withPlugin(counter),
        table,
        now,
        cleanup: { schedule: false, batchSize: 3 },
      });
      const live = [randomKey(), randomKey()];
      for (const key of live) await batched.create(key, write('live', clock + HOUR));
      for (let i = 0; i < 10; i++) await batched.create(randomKey(), write('old', clock + 1000));
      clock += 1000;
      counter.kinds.length = 0;
      expect(await batched.deleteExpired()).toBe(10);
      expect(counter.deletes).toBe(4); // 3 + 3 + 3 + 1
      expect(await countRows(db, table)).toBe(2);
      for (const key of live) expect((await batched.get(key))?.data).toBe('live');
      expect(await batched.deleteExpired()).toBe(0);
    });
  });

  describe('errors', () => {
    it('wraps database failures in SessionStoreError without SQL or values', async () => {
      const missing = kyselyStore({ db, table: `${table}_missing`, cleanup: false });
      const error = await missing
        .set(randomKey(), write('secret-payload', clock + HOUR))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SessionStoreError);
      expect((error as SessionStoreError).operation).toBe('set');
      const cause = (error as Error).cause as Record<string, unknown>;
      expect(cause).toBeInstanceOf(Error);
      expect(cause.sql).toBeUndefined();
      expect(JSON.stringify({ ...cause, message: cause.message, stack: cause.stack })).not.toContain(
        'secret-payload',
      );
    });
  });
});

describe('kyselyStore() options', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await betterSqliteMemory.open();
  });

  afterAll(async () => {
    await database.close();
  });

  it('rejects a bad table name, db or option when built', () => {
    const { db } = database;
    for (const table of ['', 'sessions; drop table x', '1sessions', 'a.b', 'x'.repeat(49), 'séance']) {
      expect(() => kyselyStore({ db, table, cleanup: false })).toThrow(
        /@cloakroom\/session-kysely: table must be/,
      );
    }
    expect(() => kyselyStore({ db: {} as AnyKysely })).toThrow(/db must be a Kysely instance/);
    expect(() => kyselyStore({ db, cleanup: { batchSize: 0 } })).toThrow(/batchSize/);
    expect(() => kyselyStore({ db, cleanup: { jitter: 2 } })).toThrow(/jitter/);
    expect(() => kyselyStore({ db, timeoutMs: -1 })).toThrow(/timeoutMs/);
  });
});

describe('cleanup scheduler', () => {
  let database: TestDatabase;
  const table = randomTable();

  beforeAll(async () => {
    database = await betterSqliteMemory.open();
    await createSessionTable(database.db, { table });
  });

  afterEach(async () => {
    vi.useRealTimers();
    vi.restoreAllMocks();
    await database.db.deleteFrom(table).execute();
  });

  afterAll(async () => {
    await database.close();
  });

  it('runs deleteExpired after a jittered delay, again every interval, and stops on close()', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    vi.spyOn(Math, 'random').mockReturnValue(0.75);
    let clock = 1_000_000;
    const store = kyselyStore({
      db: database.db,
      table,
      now: () => clock,
      cleanup: { intervalMs: 1000, jitter: 0.2 },
    });
    const expired = async () => {
      await store.create(randomKey(), write('old', clock + 10));
      clock += 10;
    };
    await expired();
    // First run at 0.75 × 1000 ms.
    await vi.advanceTimersByTimeAsync(749);
    expect(await countRows(database.db, table)).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await countRows(database.db, table)).toBe(0);
    // Then every 1000 × (1 + 0.2 × (2 × 0.75 − 1)) = 1100 ms.
    await expired();
    await vi.advanceTimersByTimeAsync(1099);
    expect(await countRows(database.db, table)).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await countRows(database.db, table)).toBe(0);
    await store.close();
    await expired();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await countRows(database.db, table)).toBe(1);
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('reports a failed run through onError and keeps its schedule', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const errors: SessionStoreError[] = [];
    const store = kyselyStore({
      db: database.db,
      table: `${table}_missing`,
      cleanup: { intervalMs: 1000, jitter: 0 },
      onError: (error) => errors.push(error),
    });
    await vi.advanceTimersByTimeAsync(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(SessionStoreError);
    expect(errors[0]?.operation).toBe('deleteExpired');
    await vi.advanceTimersByTimeAsync(1000);
    expect(errors).toHaveLength(2);
    await store.close();
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('never keeps the process alive', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const store = kyselyStore({ db: database.db, table });
    expect(timers()).toBe(before);
    await store.close();
  });

  it('can be turned off', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let clock = 5_000_000;
    const store = kyselyStore({ db: database.db, table, now: () => clock, cleanup: false });
    await store.create(randomKey(), write('old', clock + 10));
    clock += 10;
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(await countRows(database.db, table)).toBe(1);
    expect(await store.deleteExpired()).toBe(1);
    await store.close();
    vi.useRealTimers();
  });
});

describe('compareAndSet() on MariaDB without CLIENT_FOUND_ROWS', () => {
  it('still counts an identical write, since the version always changes', async () => {
    const db: AnyKysely = new Kysely({
      dialect: new MysqlDialect({
        pool: createPool({ uri: MYSQL_URL, connectionLimit: 1, flags: ['-FOUND_ROWS'] }),
      }),
    });
    const table = randomTable();
    try {
      await createSessionTable(db, { table });
      const store = kyselyStore({ db, table, cleanup: false });
      const key = randomKey();
      const expiresAt = Date.now() + HOUR;
      const v1 = (await store.create(key, write('same', expiresAt)))!;
      expect(await store.compareAndSet(key, v1, write('same', expiresAt))).toBe(String(Number(v1) + 1));
      expect(await store.compareAndSet(key, v1, write('same', expiresAt))).toBeNull();
    } finally {
      await dropSessionTable(db, { table }).catch(() => {});
      await db.destroy();
    }
  });
});
