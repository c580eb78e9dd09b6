import { SessionStoreError } from '@cloakroom/session-core';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RedisSessionStore, redisStore } from './redis-store.ts';
import { connectCluster, runPrefix, scanClusterKeys } from './testing/clients.ts';
import { sessionKey, writeOf } from './testing/keys.ts';
import { sparePort } from './testing/redis-server.ts';

const ports = inject('clusterPorts');
const pids = inject('clusterPids');
const prefix = runPrefix('cluster');
let cluster: Cluster;
let store: RedisSessionStore;

beforeAll(async () => {
  cluster = await connectCluster(ports);
  store = redisStore({ client: cluster, prefix, timeout: 1000 });
});

afterAll(async () => {
  await cluster.quit();
});

/** The port of the master that serves `name`'s slot. */
async function portOf(name: string): Promise<number> {
  const slot = (await cluster.cluster('KEYSLOT', name)) as number;
  const nodeKey = cluster.slots[slot]?.[0];
  if (nodeKey === undefined) throw new Error(`No node serves slot ${slot}`);
  return Number(nodeKey.split(':').pop());
}

/** A session key whose record lives on a different master than `other`. */
async function keyAwayFrom(other: number): Promise<string> {
  for (;;) {
    const { key } = sessionKey();
    if ((await portOf(`${prefix}s:${key}`)) !== other) return key;
  }
}

/** Pauses a node (SIGSTOP: it neither answers nor closes connections) while `body` runs. */
async function whilePaused<T>(port: number, body: () => Promise<T>): Promise<T> {
  const pid = pids[port]!;
  process.kill(pid, 'SIGSTOP');
  try {
    return await body();
  } finally {
    process.kill(pid, 'SIGCONT');
  }
}

describe('redisStore() on Redis Cluster', () => {
  it('lists and revokes all of a user’s sessions whose records live in different slots', async () => {
    const user = `user-${Math.random()}`;
    const keys = Array.from({ length: 12 }, () => sessionKey().key);
    for (const key of keys) await store.create(key, writeOf(`data-${key}`, { userId: user }));

    const homes = new Set(await Promise.all(keys.map((key) => portOf(`${prefix}s:${key}`))));
    expect(homes.size).toBeGreaterThan(1);
    const listed = await store.listByUser(user);
    expect(listed.map((s) => s.key).sort()).toEqual([...keys].sort());

    // Revoke all: what a sign-out-everywhere does through the manager.
    await Promise.all(listed.map((s) => store.delete(s.key)));
    expect(await store.listByUser(user)).toEqual([]);
    expect(await scanClusterKeys(cluster, prefix)).toEqual([]);
  });

  it('writes the index before the record: a create cut off half-way leaves no unindexed session', async () => {
    const user = `user-${Math.random()}`;
    const indexPort = await portOf(`${prefix}u:${user}`);
    const key = await keyAwayFrom(indexPort);
    const recordPort = await portOf(`${prefix}s:${key}`);

    // The record's master stops answering: the create fails after the index step succeeded.
    const error = await whilePaused(recordPort, async () => {
      const failure = await store.create(key, writeOf('x', { userId: user })).catch((e: unknown) => e);
      expect(await cluster.zscore(`${prefix}u:${user}`, key)).not.toBeNull();
      return failure;
    });
    expect(error).toBeInstanceOf(SessionStoreError);
    expect(error).toMatchObject({ operation: 'create' });

    // Whether or not the record write reached the node before it paused, revoking finds it.
    for (const session of await store.listByUser(user)) await store.delete(session.key);
    expect(await cluster.exists(`${prefix}s:${key}`)).toBe(0);
    expect(await cluster.exists(`${prefix}u:${user}`)).toBe(0);
  });

  it('keeps the entry of a record listing finds missing: it may be a create half-way', async () => {
    const user = `user-${Math.random()}`;
    const { key } = sessionKey();
    await store.create(key, writeOf('x', { userId: user }));
    await cluster.del(`${prefix}s:${key}`);
    expect(await store.listByUser(user)).toEqual([]);
    expect(await cluster.zscore(`${prefix}u:${user}`, key)).not.toBeNull();
    await cluster.del(`${prefix}u:${user}`);
  });

  it('deletes the record before its index entry: a delete cut off half-way leaves no live session', async () => {
    const user = `user-${Math.random()}`;
    const indexPort = await portOf(`${prefix}u:${user}`);
    const key = await keyAwayFrom(indexPort);
    await store.create(key, writeOf('x', { userId: user }));

    const error = await whilePaused(indexPort, async () => {
      const failure = await store.delete(key).catch((e: unknown) => e);
      expect(await cluster.exists(`${prefix}s:${key}`)).toBe(0);
      return failure;
    });
    expect(error).toBeInstanceOf(SessionStoreError);
    expect(await store.get(key)).toBeNull();
    expect(await store.listByUser(user)).toEqual([]);
    await cluster.del(`${prefix}u:${user}`);
  });

  it('keeps every key under the prefix as a hash of the id or a user id', async () => {
    const own = runPrefix('cluster-keyspace');
    const scoped = redisStore({ client: cluster, prefix: own });
    const sessions = [sessionKey(), sessionKey(), sessionKey()];
    for (const { key } of sessions) await scoped.create(key, writeOf('x', { userId: 'user-7' }));
    const keys = await scanClusterKeys(cluster, own);
    expect(keys.sort()).toEqual([...sessions.map(({ key }) => `${own}s:${key}`), `${own}u:user-7`].sort());
    for (const { id } of sessions) expect(keys.join('\n')).not.toContain(id);
    for (const { key } of sessions) await scoped.delete(key);
  });

  it('reads the eviction policy of every master, and fails closed when one of them may evict', async () => {
    expect(await store.evictionPolicy()).toBe('noeviction');
    const master = cluster.nodes('master')[1]!;
    await master.config('SET', 'maxmemory-policy', 'allkeys-lfu');
    // A client that connects now learns it (an existing one does on its next reconnect).
    const fresh = await connectCluster(ports);
    try {
      const scoped = redisStore({ client: fresh, prefix });
      expect(await scoped.evictionPolicy()).toBe('allkeys-lfu');
      const user = `user-${Math.random()}`;
      const { key } = sessionKey();
      await scoped.create(key, writeOf('x', { userId: user }));
      expect(await scoped.get(key)).toMatchObject({ data: 'x' });
      const due = { now: Date.now(), ifExpiresBy: Date.now() + 120_000, expiresAt: Date.now() + 180_000 };
      expect(await scoped.getAndTouch(key, due)).toMatchObject({ data: 'x', touched: true });
      await fresh.del(`${prefix}u:${user}`);
      expect(await scoped.get(key), 'its index lost it: read as absent').toBeNull();
      expect(await scoped.getAndTouch(key, due), 'a due read too').toBeNull();
      // Past the absolute end, where the index is raised first: raising finds the entry gone.
      const past = {
        now: Date.now(),
        ifExpiresBy: Date.now() + 7_200_000,
        expiresAt: Date.now() + 7_200_000,
      };
      expect(await scoped.getAndTouch(key, past), 'and one that raises the index').toBeNull();
      await scoped.delete(key);
    } finally {
      await master.config('SET', 'maxmemory-policy', 'noeviction');
      await fresh.quit();
    }
  });

  it('bounds operations by its own timeout while the Cluster client cannot reach any node', async () => {
    // Commands wait in the Cluster's own offline queue, which has no timeout of its own.
    const unreachable = new Cluster([{ host: '127.0.0.1', port: await sparePort() }]);
    unreachable.on('error', () => undefined);
    const bounded = redisStore({ client: unreachable, timeout: 300 });
    try {
      const started = performance.now();
      const error = await bounded.get(sessionKey().key).catch((e: unknown) => e);
      const elapsed = performance.now() - started;
      expect(error).toBeInstanceOf(SessionStoreError);
      expect(error).toMatchObject({ operation: 'get', message: 'Session store get timed out' });
      expect(elapsed).toBeGreaterThanOrEqual(290);
      expect(elapsed).toBeLessThan(700);
    } finally {
      unreachable.disconnect();
    }
  });
});
