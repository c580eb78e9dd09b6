// What each operation costs in round trips (issue 15): every command the store's client sends is counted
// on its way out (ioredis' sendCommand), and what Redis ran is read back from INFO commandstats on
// private servers, so the index writes skipped are seen too. The store runs sequentially, so commands
// sent are round trips.
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RedisSessionStore, redisStore } from './redis-store.ts';
import { scripts } from './scripts.ts';
import { connectCluster, connectRedis, recommended, runPrefix } from './testing/clients.ts';
import { sessionKey, writeOf } from './testing/keys.ts';
import { type PrivateServer, startPrivateRedis } from './testing/redis-server.ts';

/** The names of the commands `client` sends from now on. */
function recordSends(client: Redis | Cluster): string[] {
  const sent: string[] = [];
  const send = client.sendCommand.bind(client) as (command: { name: string }, ...rest: unknown[]) => unknown;
  const counting = (command: { name: string }, ...rest: unknown[]): unknown => {
    sent.push(command.name);
    return send(command, ...rest);
  };
  (client as unknown as { sendCommand: typeof counting }).sendCommand = counting;
  return sent;
}

interface Counted {
  readonly store: RedisSessionStore;
  readonly prefix: string;
  /** Runs `body` and returns the commands the store sent meanwhile. */
  sends(body: () => Promise<unknown>): Promise<string[]>;
}

function counted(client: Redis | Cluster, prefix: string): Counted {
  const store = redisStore({ client, prefix, timeout: 10_000 });
  const sent = recordSends(client);
  return {
    store,
    prefix,
    async sends(body) {
      sent.length = 0;
      await body();
      return [...sent];
    },
  };
}

/** One session of each kind, each operation run once so scripts are loaded and the policy is known. */
async function warm({ store }: Counted, userId: string): Promise<void> {
  await store.evictionPolicy();
  const { key } = sessionKey();
  const version = (await store.create(key, writeOf('warm', { userId })))!;
  await store.compareAndSet(key, version, writeOf('warm', { userId }));
  await store.get(key);
  await store.getAndTouch(key, {
    now: Date.now(),
    ifExpiresBy: Date.now() + 3_600_000,
    expiresAt: Date.now() + 120_000,
  });
  await store.touch(key, Date.now() + 180_000);
  await store.delete(key);
}

/** A due touch: the stored expiry (one minute away) is before ifExpiresBy. */
const due = () => ({ now: Date.now(), ifExpiresBy: Date.now() + 90_000, expiresAt: Date.now() + 120_000 });

/** Every single-node operation: one round trip each, for a session with a user or without. */
function singleNodeCases(count: () => Counted) {
  for (const userId of [null, 'alice']) {
    const who = userId === null ? 'without a user' : 'signed in';
    it(`get, getAndTouch (due or not), create, set, compareAndSet, touch and delete: one each, ${who}`, async () => {
      const { store, sends } = count();
      const { key } = sessionKey();
      let version = '';
      expect(
        await sends(async () => {
          version = (await store.create(key, writeOf('1', { userId })))!;
        }),
      ).toEqual(['evalsha']);
      expect(await sends(() => store.get(key))).toHaveLength(1);
      let touched: Awaited<ReturnType<RedisSessionStore['getAndTouch']>> = null;
      const touch = due();
      expect(
        await sends(async () => {
          touched = await store.getAndTouch(key, touch);
        }),
      ).toEqual(['evalsha']);
      expect(touched).toMatchObject({ data: '1', expiresAt: touch.expiresAt, touched: true });
      expect(await sends(() => store.getAndTouch(key, due()))).toEqual(['evalsha']);
      expect(
        await sends(async () => {
          version = (await store.compareAndSet(key, version, writeOf('2', { userId })))!;
        }),
      ).toEqual(['evalsha']);
      expect(await sends(() => store.set(key, writeOf('3', { userId })))).toEqual(['evalsha']);
      expect(await sends(() => store.touch(key, Date.now() + 300_000))).toEqual(['evalsha']);
      expect(await sends(() => store.delete(key))).toEqual(['evalsha']);
      expect(await store.get(key)).toBeNull();
    });
  }
}

/** A private server under `policy` with a counted store on it, for the tests of the enclosing group. */
function privateNode(policy: string): { count: Counted; client: Redis } {
  const node = {} as { count: Counted; client: Redis; server: PrivateServer };
  beforeAll(async () => {
    node.server = await startPrivateRedis(`round-trips-${policy}`, ['--maxmemory-policy', policy]);
    node.client = await connectRedis({ ...recommended, commandTimeout: 10_000 }, node.server.url);
    node.count = counted(node.client, runPrefix(`trips-${policy}`));
    await warm(node.count, 'warm');
  });
  afterAll(async () => {
    node.client?.disconnect();
    await node.server?.stop();
  });
  return node;
}

describe('round trips on a single node under noeviction', () => {
  const node = privateNode('noeviction');

  singleNodeCases(() => node.count);

  it('a get is a plain HMGET, and the user index is written only when the user or the absolute end changes', async () => {
    const { store, sends } = node.count;
    const admin = node.client;
    const { key } = sessionKey();
    const first = writeOf('1', { userId: 'bob' });
    await store.create(key, first);
    expect(await sends(() => store.get(key))).toEqual(['hmget']);
    const zadds = async (body: () => Promise<unknown>): Promise<number> => {
      await admin.config('RESETSTAT');
      await body();
      const match = /^cmdstat_zadd:calls=(\d+)/m.exec(await admin.info('commandstats'));
      return Number(match?.[1] ?? 0);
    };
    const same = { userId: 'bob', absoluteExpiresAt: first.absoluteExpiresAt };
    expect(await zadds(() => store.set(key, writeOf('2', same)))).toBe(0);
    expect(await zadds(() => store.getAndTouch(key, due()))).toBe(0);
    expect(await zadds(() => store.touch(key, Date.now() + 600_000))).toBe(0);
    expect(
      await zadds(() =>
        store.set(key, writeOf('3', { userId: 'carol', absoluteExpiresAt: first.absoluteExpiresAt })),
      ),
    ).toBe(1);
    expect(await zadds(() => store.set(key, writeOf('4', { userId: 'carol' })))).toBe(1);
    expect((await store.listByUser('bob')).map((s) => s.key)).toEqual([]);
    expect((await store.listByUser('carol')).map((s) => s.key)).toEqual([key]);
  });
});

describe('round trips on a single node under an evicting policy', () => {
  const node = privateNode('allkeys-lru');

  singleNodeCases(() => node.count);

  it('a read and a due read of a session its index lost both fail closed, in one round trip', async () => {
    const { store, sends, prefix } = node.count;
    expect(await store.evictionPolicy()).toBe('allkeys-lru');
    const { key } = sessionKey();
    await store.create(key, writeOf('x', { userId: 'dave' }));
    await node.client.zrem(`${prefix}u:dave`, key);
    expect(await sends(async () => expect(await store.get(key)).toBeNull())).toEqual(['evalsha']);
    expect(await sends(async () => expect(await store.getAndTouch(key, due())).toBeNull())).toEqual([
      'evalsha',
    ]);
  });
});

describe('round trips on Redis Cluster', () => {
  let cluster: Cluster;
  let count: Counted;

  beforeAll(async () => {
    cluster = await connectCluster(inject('clusterPorts'));
    count = counted(cluster, runPrefix('trips-cluster'));
    // Each master caches scripts on its own: load them on all, so no NOSCRIPT retry is counted.
    for (const node of cluster.nodes('master')) {
      for (const { lua } of Object.values(scripts)) await node.script('LOAD', lua);
    }
    await warm(count, 'warm');
  });

  afterAll(async () => {
    await cluster?.quit();
  });

  for (const userId of [null, 'erin']) {
    const who = userId === null ? 'without a user' : 'signed in';
    it(`get and a due getAndTouch take one, a write at most two, ${who}`, async () => {
      const { store, sends } = count;
      const { key } = sessionKey();
      let version = '';
      const writes = userId === null ? 1 : 2;
      expect(
        await sends(async () => {
          version = (await store.create(key, writeOf('1', { userId })))!;
        }),
      ).toHaveLength(writes);
      expect(await sends(() => store.get(key))).toEqual(['hmget']);
      const touch = due();
      expect(
        await sends(async () => expect(await store.getAndTouch(key, touch)).toMatchObject({ touched: true })),
      ).toEqual(['evalsha']);
      expect(
        await sends(async () => {
          version = (await store.compareAndSet(key, version, writeOf('2', { userId })))!;
        }),
      ).toHaveLength(writes);
      expect(await sends(() => store.set(key, writeOf('3', { userId })))).toHaveLength(writes);
      expect(await sends(() => store.touch(key, Date.now() + 300_000))).toEqual(['evalsha']);
      expect(await store.get(key)).toMatchObject({ data: '3' });
    });
  }

  it('a touch past the absolute end (the last idle window) raises the index entry first: three round trips', async () => {
    const { store, sends, prefix } = count;
    const { key } = sessionKey();
    const write = writeOf('x', { userId: 'frank' });
    await store.create(key, write);
    const past = write.absoluteExpiresAt + 60_000;
    const touch = { now: Date.now(), ifExpiresBy: write.absoluteExpiresAt, expiresAt: past };
    expect(
      await sends(async () =>
        expect(await store.getAndTouch(key, touch)).toMatchObject({ expiresAt: past, touched: true }),
      ),
    ).toEqual(['evalsha', 'evalsha', 'evalsha']);
    expect(Number(await cluster.zscore(`${prefix}u:frank`, key))).toBe(past);
    expect(await cluster.pexpiretime(`${prefix}s:${key}`)).toBe(past);
    // The entry is high enough now: the next touch up to it is one round trip again.
    expect(await sends(() => store.touch(key, past))).toEqual(['evalsha']);
  });
});
