// Redis as people run it with `maxmemory` (issue 21): each test starts its own small private server,
// so filling it to its limit never touches the machine's Redis.
import { createSessionManager, type SessionManager, SessionStoreError } from '@cloakroom/session-core';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisSessionStore, redisStore } from './redis-store.ts';
import { connectRedis, recommended, runPrefix, scanKeys } from './testing/clients.ts';
import { type PrivateServer, startPrivateRedis } from './testing/redis-server.ts';

const SECRET = 'eviction-test-secret-of-at-least-32-bytes!';

interface Setup {
  server: PrivateServer;
  client: Redis;
  store: RedisSessionStore;
  manager: SessionManager;
  prefix: string;
}

const started: Setup[] = [];

async function setUp(policy: string, maxmemory = '2mb'): Promise<Setup> {
  const server = await startPrivateRedis(policy, ['--maxmemory', maxmemory, '--maxmemory-policy', policy]);
  const client = await connectRedis(recommended, server.url);
  const prefix = runPrefix(policy);
  const store = redisStore({ client, prefix });
  const manager = createSessionManager({ store, secret: SECRET, onError: () => undefined });
  const setup = { server, client, store, manager, prefix };
  started.push(setup);
  return setup;
}

afterAll(async () => {
  for (const { client, server } of started) {
    client.disconnect();
    await server.stop();
  }
});

/** Signs `user` in on a new device and returns the device's Cookie header. */
async function signIn(manager: SessionManager, user: string, padding = ''): Promise<string> {
  const handle = manager.open({ cookie: null, secure: true });
  handle.session.setUser(user);
  if (padding !== '') handle.session.set('padding', padding);
  const { setCookie } = await handle.commit({ status: 200 });
  return setCookie!.split(';')[0]!;
}

/** Who the device with `cookie` is signed in as (null: nobody), as a request would see it. */
async function userOf(manager: SessionManager, cookie: string): Promise<string | null> {
  const handle = manager.open({ cookie, secure: true });
  const user = await handle.session.getUser();
  await handle.commit({ status: 200 });
  return user;
}

async function stat(client: Redis, name: string): Promise<number> {
  const match = new RegExp(`^${name}:(\\d+)`, 'm').exec(await client.info('stats'));
  return Number(match?.[1] ?? 0);
}

describe('store.evictionPolicy()', () => {
  it('reads maxmemory-policy with CONFIG GET, or from INFO memory where CONFIG is denied', async () => {
    const { client, store } = await setUp('allkeys-lru');
    expect(await store.evictionPolicy()).toBe('allkeys-lru');
    // As on managed services: CONFIG denied to the application's user.
    await client.call('ACL', 'SETUSER', 'default', '-config');
    const other = await connectRedis(recommended, started.at(-1)!.server.url);
    try {
      expect(await redisStore({ client: other }).evictionPolicy()).toBe('allkeys-lru');
    } finally {
      other.disconnect();
    }
  });

  it('says `unknown` when the server answers neither, and then fails closed as under eviction', async () => {
    const { server, client: admin } = await setUp('noeviction');
    const prefix = runPrefix('unknown');
    await admin.call('ACL', 'SETUSER', 'app', 'on', 'nopass', '~*', '+@all', '-config', '-info');
    const client = await connectRedis(recommended, server.url.replace('//', '//app:x@'));
    try {
      const store = redisStore({ client, prefix });
      expect(await store.evictionPolicy()).toBe('unknown');
      const manager = createSessionManager({ store, secret: SECRET, onError: () => undefined });
      const device = await signIn(manager, 'erin');
      expect(await userOf(manager, device)).toBe('erin');
      await admin.del(`${prefix}u:erin`);
      expect(await userOf(manager, device), 'an index that lost the session fails it closed').toBeNull();
    } finally {
      client.disconnect();
    }
  });

  it('asks again after a reconnect', async () => {
    const { client, store } = await setUp('noeviction');
    expect(await store.evictionPolicy()).toBe('noeviction');
    await client.config('SET', 'maxmemory-policy', 'volatile-lru');
    expect(await store.evictionPolicy(), 'remembered until the connection is new').toBe('noeviction');
    const ready = new Promise((resolve) => client.once('ready', resolve));
    client.disconnect(true);
    await ready;
    expect(await store.evictionPolicy()).toBe('volatile-lru');
  });
});

describe('under noeviction, at maxmemory', () => {
  let setup: Setup;
  let carol: string;

  beforeAll(async () => {
    setup = await setUp('noeviction');
    carol = await signIn(setup.manager, 'carol');
    // Fill the server until it refuses writes.
    const filler = 'x'.repeat(10_000);
    for (let i = 0; i < 1000; i++) {
      const refused = await setup.client.set(`filler:${i}`, filler).catch((error: Error) => error);
      if (refused instanceof Error) {
        expect(refused.message).toMatch(/^OOM/);
        return;
      }
    }
    throw new Error('the private server never reached its maxmemory');
  });

  it('a sign-in fails with the 503 store error and writes nothing, not even half', async () => {
    const before = (await scanKeys(setup.client, setup.prefix)).sort();
    const error = await signIn(setup.manager, 'dave').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionStoreError);
    expect(error).toMatchObject({ code: 'SESSION_STORE', status: 503 });
    expect((await scanKeys(setup.client, setup.prefix)).sort()).toEqual(before);
    expect(await setup.store.listByUser('dave')).toEqual([]);
  });

  it('signed-in users are still served, and signing out everywhere still works', async () => {
    expect(await userOf(setup.manager, carol)).toBe('carol');
    expect(await setup.manager.destroyUserSessions('carol')).toBe(1);
    expect(await userOf(setup.manager, carol)).toBeNull();
  });

  it('serves sign-ins again once memory is freed', async () => {
    for (const key of await scanKeys(setup.client, 'filler:')) await setup.client.del(key);
    const device = await signIn(setup.manager, 'dave');
    expect(await userOf(setup.manager, device)).toBe('dave');
  });
});

describe.each(['allkeys-lru', 'volatile-lru'])('under %s, at maxmemory', (policy) => {
  it('signing alice out everywhere ends all five of her hot devices while thousands sign in around her', async () => {
    const { client, manager, prefix } = await setUp(policy);
    const alice = await Promise.all(Array.from({ length: 5 }, () => signIn(manager, 'alice')));
    const others: string[] = [];
    // Bounded by counts, not time: sign-ins in batches of 50, alice's five devices used between batches,
    // until Redis evicts alice's index (the state that made "sign out everywhere" miss her sessions) or
    // 6 000 sign-ins have filled the 2 MB many times over. Her devices may be signed out by eviction
    // meanwhile (within one second Redis' LRU clock cannot tell hot from cold): that is allowed.
    const padding = 'p'.repeat(400);
    for (let batch = 0; batch < 120 && (await client.exists(`${prefix}u:alice`)) === 1; batch++) {
      others.push(
        ...(await Promise.all(
          Array.from({ length: 50 }, (_, i) => signIn(manager, `user-${batch}-${i}`, padding)),
        )),
      );
      for (const device of alice) await userOf(manager, device);
    }
    expect(await stat(client, 'evicted_keys'), 'the scenario made Redis evict').toBeGreaterThan(0);

    // Sign out everywhere: it either refuses with an error or leaves none of alice's devices signed in.
    const revoked = await manager.destroyUserSessions('alice').catch((error: unknown) => error);
    if (revoked instanceof Error) expect(revoked).toBeInstanceOf(SessionStoreError);
    for (const device of alice) expect(await userOf(manager, device), String(revoked)).toBeNull();

    // Evicted sessions read as no session (the user signs in again), never as an error. Beyond alice's
    // six keys, every eviction took one of the others' records or indexes.
    const users: (string | null)[] = [];
    for (let i = 0; i < others.length; i += 200) {
      users.push(...(await Promise.all(others.slice(i, i + 200).map((cookie) => userOf(manager, cookie)))));
    }
    const signedOut = users.filter((user) => user === null).length;
    if ((await stat(client, 'evicted_keys')) > 6)
      expect(signedOut, 'other sign-ins were evicted').toBeGreaterThan(0);
    expect(users.filter((user) => user !== null && !user.startsWith('user-'))).toEqual([]);
  }, 60_000);

  it('a device whose index entry was evicted reads as signed out, and a request in flight cannot revive it', async () => {
    const { client, manager, prefix } = await setUp(policy);
    const devices = await Promise.all(Array.from({ length: 3 }, () => signIn(manager, 'bob')));
    // A request that read its session before the eviction, and writes after it.
    const inFlight = manager.open({ cookie: devices[0]!, secure: true });
    expect(await inFlight.session.getUser()).toBe('bob');
    await client.del(`${prefix}u:bob`); // what eviction does to a cold index
    inFlight.session.set('cart', ['tea']);
    await inFlight.commit({ status: 200 }).catch(() => undefined);
    for (const device of devices) expect(await userOf(manager, device)).toBeNull();
    expect(await manager.destroyUserSessions('bob')).toBe(0);
    for (const device of devices) expect(await userOf(manager, device)).toBeNull();
    // bob signs in again and is served.
    const again = await signIn(manager, 'bob');
    expect(await userOf(manager, again)).toBe('bob');
  });
});
