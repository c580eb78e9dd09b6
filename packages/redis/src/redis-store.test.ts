import { SessionError, SessionStoreError } from '@cloakroom/session-core';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RedisSessionStore, redisStore } from './redis-store.ts';
import { connectRedis, deleteByPrefix, REDIS_URL, runPrefix, scanKeys } from './testing/clients.ts';
import { sessionKey, writeOf } from './testing/keys.ts';

let client: Redis;
let store: RedisSessionStore;
const prefix = runPrefix('unit');

beforeAll(async () => {
  client = await connectRedis();
  store = redisStore({ client, prefix });
});

afterAll(async () => {
  await deleteByPrefix(client, prefix);
  await client.quit();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('redisStore()', () => {
  it('refuses a missing client and bad options with a message naming the package', () => {
    expect(() => redisStore({} as never)).toThrow(/@cloakroom\/session-redis: `client`/);
    expect(() => redisStore({ client, prefix: 3 as never })).toThrow(SessionError);
    expect(() => redisStore({ client, timeout: -1 })).toThrow(/`timeout`/);
  });

  it('uses the prefix "cloakroom:" by default', async () => {
    const { key } = sessionKey();
    const defaults = redisStore({ client });
    try {
      await defaults.set(key, writeOf('x'));
      expect(await client.type(`cloakroom:s:${key}`)).toBe('hash');
    } finally {
      await defaults.delete(key);
    }
  });
});

describe('redisStore() with a client keyPrefix', () => {
  it('puts ioredis’ keyPrefix in front of its own prefix, for commands and scripts alike', async () => {
    const outer = runPrefix('outer');
    const prefixed = new Redis(REDIS_URL, { keyPrefix: outer });
    const scoped = redisStore({ client: prefixed, prefix: 'inner:' });
    const { key } = sessionKey();
    try {
      const version = await scoped.create(key, writeOf('x', { userId: 'u' }));
      await scoped.touch(key, Date.now() + 60_000);
      expect(await scoped.get(key)).toMatchObject({ data: 'x', version });
      expect((await scanKeys(client, outer)).sort()).toEqual([`${outer}inner:s:${key}`, `${outer}inner:u:u`]);
      expect((await scoped.listByUser('u')).map((s) => s.key)).toEqual([key]);
      await scoped.delete(key);
      expect(await scanKeys(client, outer)).toEqual([]);
    } finally {
      await deleteByPrefix(client, outer);
      await prefixed.quit();
    }
  });
});

describe('store.get()', () => {
  it('resolves null for a missing key', async () => {
    expect(await store.get(sessionKey().key)).toBeNull();
  });

  it('treats a record past its expiry by our clock as absent, even before Redis drops it', async () => {
    const { key } = sessionKey();
    const write = writeOf('x');
    await store.set(key, write);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(write.expiresAt);
    expect(await store.get(key)).toBeNull();
  });

  it('wraps a client error in SessionStoreError without the command arguments', async () => {
    const { key } = sessionKey();
    await client.set(`${prefix}s:${key}`, 'secret-payload');
    const error = await store.get(key).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionStoreError);
    expect(error).toMatchObject({ code: 'SESSION_STORE', operation: 'get', status: 503 });
    const cause = (error as Error).cause as Error & Record<string, unknown>;
    expect(cause.message).toMatch(/WRONGTYPE/);
    expect(cause.command).toBeUndefined();
    expect(JSON.stringify({ ...cause, message: cause.message, stack: cause.stack })).not.toContain(key);
    await client.del(`${prefix}s:${key}`);
  });
});

describe('errors', () => {
  it('wraps a failing script in SessionStoreError naming the operation, with or without a timeout', async () => {
    const { key } = sessionKey();
    await client.set(`${prefix}s:${key}`, 'not a hash');
    for (const scoped of [store, redisStore({ client, prefix, timeout: 0 })]) {
      for (const [operation, call] of [
        ['set', () => scoped.set(key, writeOf('x'))],
        ['create', () => scoped.create(key, writeOf('x'))],
        ['compareAndSet', () => scoped.compareAndSet(key, '1', writeOf('x'))],
        ['touch', () => scoped.touch(key, Date.now() + 1000)],
        ['delete', () => scoped.delete(key)],
      ] as const) {
        const error = await call().catch((e: unknown) => e);
        expect(error, operation).toBeInstanceOf(SessionStoreError);
        expect(error, operation).toMatchObject({ operation, code: 'SESSION_STORE' });
        expect(JSON.stringify((error as Error).cause), operation).not.toContain(key);
      }
    }
    await client.del(`${prefix}s:${key}`);
  });
});

describe('store.create() / set() / compareAndSet()', () => {
  it('stores data, expiry and version in one hash that expires at expiresAt', async () => {
    const { key } = sessionKey();
    const write = writeOf('{"a":1}');
    const version = await store.create(key, write);
    expect(version).toMatch(/^\d+$/);
    expect(await store.get(key)).toEqual({ data: '{"a":1}', expiresAt: write.expiresAt, version });
    expect(await client.pexpiretime(`${prefix}s:${key}`)).toBe(write.expiresAt);
    expect(await client.hgetall(`${prefix}s:${key}`)).toEqual({
      d: '{"a":1}',
      e: String(write.expiresAt),
      v: version,
    });
  });

  it('create writes nothing when the key exists', async () => {
    const { key } = sessionKey();
    const first = await store.create(key, writeOf('first'));
    expect(await store.create(key, writeOf('second'))).toBeNull();
    expect(await store.get(key)).toMatchObject({ data: 'first', version: first });
  });

  it('every write moves the version and the native expiry', async () => {
    const { key } = sessionKey();
    const v1 = await store.create(key, writeOf('1'));
    const later = writeOf('2', { expiresAt: Date.now() + 120_000 });
    const v2 = await store.set(key, later);
    expect(v2).not.toBe(v1);
    expect(BigInt(v2)).toBe(BigInt(v1!) + 1n);
    expect(await client.pexpiretime(`${prefix}s:${key}`)).toBe(later.expiresAt);
  });

  it('compareAndSet writes only over the version it was given', async () => {
    const { key } = sessionKey();
    const v1 = (await store.create(key, writeOf('1')))!;
    const v2 = await store.compareAndSet(key, v1, writeOf('2'));
    expect(v2).not.toBeNull();
    expect(await store.compareAndSet(key, v1, writeOf('stale'))).toBeNull();
    expect(await store.get(key)).toMatchObject({ data: '2', version: v2 });
    expect(await store.compareAndSet(sessionKey().key, v1, writeOf('gone'))).toBeNull();
  });

  it('compareAndSet on a session its user’s index lost ends it instead of bringing it back', async () => {
    const user = `user-${Math.random()}`;
    const { key } = sessionKey();
    const version = (await store.create(key, writeOf('x', { userId: user })))!;
    // The index forgot the session (evicted, or deleted by hand): "sign out everywhere" may have missed
    // it, so a request that read it before must not revive it.
    await client.del(`${prefix}u:${user}`);
    expect(await store.compareAndSet(key, version, writeOf('y', { userId: user }))).toBeNull();
    expect(await client.exists(`${prefix}s:${key}`)).toBe(0);
    expect(await client.exists(`${prefix}u:${user}`)).toBe(0);
    // A session signing in for the first time is added as usual.
    const other = sessionKey().key;
    const anonymous = (await store.create(other, writeOf('anonymous')))!;
    expect(
      await store.compareAndSet(other, anonymous, writeOf('signed in', { userId: user })),
    ).not.toBeNull();
    expect((await store.listByUser(user)).map((s) => s.key)).toEqual([other]);
  });

  it('a record deleted and written again never reuses a version an old reader holds', async () => {
    const { key } = sessionKey();
    const old = (await store.create(key, writeOf('1')))!;
    await store.delete(key);
    await store.set(key, writeOf('again'));
    expect(await store.compareAndSet(key, old, writeOf('stale'))).toBeNull();
  });

  it('a write whose expiry has passed leaves no record', async () => {
    const { key } = sessionKey();
    await store.set(key, writeOf('x', { expiresAt: Date.now() - 1 }));
    expect(await client.exists(`${prefix}s:${key}`)).toBe(0);
  });
});

describe('store.touch()', () => {
  it('moves the expiry without rewriting data or version', async () => {
    const { key } = sessionKey();
    const version = await store.create(key, writeOf('x'));
    const expiresAt = Date.now() + 300_000;
    await expect(store.touch(key, expiresAt)).resolves.toBe(true);
    expect(await store.get(key)).toEqual({ data: 'x', expiresAt, version });
    expect(await client.pexpiretime(`${prefix}s:${key}`)).toBe(expiresAt);
  });

  it('creates nothing for a missing key, and says so', async () => {
    const { key } = sessionKey();
    await expect(store.touch(key, Date.now() + 60_000)).resolves.toBe(false);
    expect(await client.exists(`${prefix}s:${key}`)).toBe(0);
  });
});

describe('store.listByUser()', () => {
  it('lists a user’s live sessions from a sorted set scored by each session’s absolute end', async () => {
    const user = `user-${Math.random()}`;
    const a = sessionKey().key;
    const b = sessionKey().key;
    const wa = writeOf('a', { userId: user });
    const wb = writeOf('b', {
      userId: user,
      expiresAt: wa.expiresAt + 1000,
      absoluteExpiresAt: wa.absoluteExpiresAt + 1000,
    });
    const va = await store.create(a, wa);
    const vb = await store.create(b, wb);
    await store.create(sessionKey().key, writeOf('other', { userId: `${user}-other` }));
    const listed = await store.listByUser(user);
    expect(listed.sort((x, y) => x.data.localeCompare(y.data))).toEqual([
      { key: a, data: 'a', expiresAt: wa.expiresAt, version: va },
      { key: b, data: 'b', expiresAt: wb.expiresAt, version: vb },
    ]);
    const index = `${prefix}u:${user}`;
    expect(await client.type(index)).toBe('zset');
    expect(Number(await client.zscore(index, a))).toBe(wa.absoluteExpiresAt);
    // The index lives as long as its longest session can, and no longer.
    expect(await client.pexpiretime(index)).toBe(wb.absoluteExpiresAt);
  });

  it('a touch within the absolute end leaves the index alone; one past it raises the entry first; a delete removes the entry', async () => {
    const user = `user-${Math.random()}`;
    const { key } = sessionKey();
    const index = `${prefix}u:${user}`;
    const write = writeOf('x', { userId: user });
    await store.create(key, write);
    const within = Date.now() + 600_000;
    expect(await store.touch(key, within)).toBe(true);
    expect(Number(await client.zscore(index, key))).toBe(write.absoluteExpiresAt);
    expect(await client.pexpiretime(`${prefix}s:${key}`)).toBe(within);
    const later = write.absoluteExpiresAt + 600_000;
    expect(await store.touch(key, later)).toBe(true);
    expect(Number(await client.zscore(index, key))).toBe(later);
    expect(await client.pexpiretime(index)).toBe(later);
    expect(await client.pexpiretime(`${prefix}s:${key}`)).toBe(later);
    // A score never goes down: an entry outlives its record whatever order writes and touches run in.
    await store.touch(key, Date.now() + 120_000);
    expect(Number(await client.zscore(index, key))).toBe(later);
    expect(await store.listByUser(user)).toHaveLength(1);
    await store.delete(key);
    expect(await store.listByUser(user)).toEqual([]);
    expect(await client.exists(index)).toBe(0);
  });

  it('a touch does not bring back an entry the index lost', async () => {
    const user = `user-${Math.random()}`;
    const { key } = sessionKey();
    await store.create(key, writeOf('x', { userId: user }));
    await client.zrem(`${prefix}u:${user}`, key);
    expect(await store.touch(key, Date.now() + 120_000)).toBe(true);
    expect(await client.zscore(`${prefix}u:${user}`, key)).toBeNull();
  });

  it('a session bound to another user moves to that user’s index', async () => {
    const alice = `alice-${Math.random()}`;
    const bob = `bob-${Math.random()}`;
    const { key } = sessionKey();
    await store.create(key, writeOf('x', { userId: alice }));
    await store.set(key, writeOf('y', { userId: bob }));
    expect(await store.listByUser(alice)).toEqual([]);
    expect(await client.zscore(`${prefix}u:${alice}`, key)).toBeNull();
    expect((await store.listByUser(bob)).map((s) => s.key)).toEqual([key]);
    await store.set(key, writeOf('z'));
    expect(await store.listByUser(bob)).toEqual([]);
    expect(await client.hget(`${prefix}s:${key}`, 'u')).toBeNull();
  });

  it('skips an entry whose record is gone (and drops it), and prunes entries whose session’s absolute end has passed', async () => {
    const user = `user-${Math.random()}`;
    const gone = sessionKey().key;
    const idle = sessionKey().key;
    const live = sessionKey().key;
    const ending = { userId: user, absoluteExpiresAt: Date.now() + 60_000 };
    await store.create(gone, writeOf('gone', ending));
    await store.create(idle, writeOf('idle', ending));
    await store.create(live, writeOf('live', { userId: user, expiresAt: Date.now() + 600_000 }));
    // A record that ended early (idle and dropped by Redis, evicted, deleted by hand): skipped, and on a
    // single node, where no write is ever half-way, its entry goes too (a Cluster keeps it until its
    // score passes, since a create of that key could be half-way there: entry written, record not yet).
    await client.del(`${prefix}s:${gone}`);
    expect((await store.listByUser(user)).map((s) => s.key).sort()).toEqual([idle, live].sort());
    expect((await client.zrange(`${prefix}u:${user}`, '0', '-1')).sort()).toEqual([idle, live].sort());
    // Within a minute past the absolute end of the one-minute sessions (the margin for clock skew between
    // app servers), their entries stay; after it, they are pruned without reading their records.
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    vi.setSystemTime(start + 90_000);
    expect((await store.listByUser(user)).map((s) => s.key)).toEqual([live]);
    expect(await client.zcard(`${prefix}u:${user}`)).toBe(2);
    vi.setSystemTime(start + 180_000);
    expect((await store.listByUser(user)).map((s) => s.key)).toEqual([live]);
    expect(await client.zrange(`${prefix}u:${user}`, '0', '-1')).toEqual([live]);
  });

  it('resolves [] for a user with no index', async () => {
    expect(await store.listByUser(`nobody-${Math.random()}`)).toEqual([]);
  });
});

describe('store.deleteExpired() / close()', () => {
  it('deleteExpired is a no-op: Redis expires records natively', async () => {
    expect(await store.deleteExpired()).toBe(0);
  });

  it('close leaves the client the user passed in open', async () => {
    const other = redisStore({ client, prefix });
    await other.close();
    expect(client.status).toBe('ready');
    expect(await client.ping()).toBe('PONG');
  });
});

describe('keys in Redis', () => {
  it('are the prefix plus a hash of the id or a user id, never the raw session id', async () => {
    const own = runPrefix('keyspace');
    const scoped = redisStore({ client, prefix: own });
    const sessions = [sessionKey(), sessionKey(), sessionKey()];
    try {
      for (const [i, { key }] of sessions.entries()) {
        await scoped.create(key, writeOf(`data-${i}`, { userId: i === 0 ? null : 'user-42' }));
      }
      const keys = await scanKeys(client, own);
      expect(keys.sort()).toEqual([...sessions.map(({ key }) => `${own}s:${key}`), `${own}u:user-42`].sort());
      for (const name of keys) {
        expect(name).toMatch(
          new RegExp(`^${own.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(s:[A-Za-z0-9_-]{43}|u:user-42)$`),
        );
        const dump = JSON.stringify(
          (await client.type(name)) === 'hash'
            ? await client.hgetall(name)
            : await client.zrange(name, '0', '-1'),
        );
        for (const { id } of sessions) {
          expect(name).not.toContain(id);
          expect(dump).not.toContain(id);
        }
      }
    } finally {
      await deleteByPrefix(client, own);
    }
  });
});
