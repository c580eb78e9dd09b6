import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type MemcachedServer, startMemcachedServer } from '@cloakroom/session-adapter-test';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { login, logout, readState } from './actions.ts';
import { type DemoConfig, loadConfig, type StoreKind } from './config.ts';
import { createDemoStore } from './stores.ts';
import { manager, SECRET, Visitor } from './test/visitor.ts';

/** Fails with the server and the variable to set when nothing answers at `host:port`. */
async function reachable(server: string, variable: string, address: string): Promise<void> {
  const { hostname, port } = new URL(address.includes('://') ? address : `tcp://${address}`);
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.destroy();
      resolve();
    });
    socket.setTimeout(2000, () => socket.destroy(new Error('timed out')));
    socket.once('error', (error) =>
      reject(
        new Error(
          `${server} is unreachable at ${address} (${variable}): ${error.message}. Start it or set ${variable}.`,
        ),
      ),
    );
  });
}

const dataDir = mkdtempSync(join(tmpdir(), 'cloakroom-demo-kit-'));
let memcached: MemcachedServer | undefined;
let memcachedUrl = '';

beforeAll(async () => {
  // A private memcached on a spare port: nothing listens on 11211 by default on these machines.
  memcached = await startMemcachedServer({ memoryMb: 16 });
  memcachedUrl = memcached.url;
});

afterAll(async () => {
  await memcached?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function config(store: StoreKind): DemoConfig {
  return {
    ...loadConfig({
      SESSION_SECRET: SECRET,
      SESSION_STORE: store,
      SESSION_SQLITE_FILE: join(dataDir, 'sessions.db'),
    }),
    memcachedUrl,
    ...(process.env.REDIS_URL ? { redisUrl: process.env.REDIS_URL } : {}),
    ...(process.env.PG_URL ? { pgUrl: process.env.PG_URL } : {}),
    ...(process.env.MYSQL_URL ? { mysqlUrl: process.env.MYSQL_URL } : {}),
  };
}

const SERVERS: Partial<Record<StoreKind, [string, string, (c: DemoConfig) => string]>> = {
  redis: ['Redis', 'REDIS_URL', (c) => c.redisUrl],
  postgres: ['PostgreSQL', 'PG_URL', (c) => c.pgUrl],
  mysql: ['MariaDB/MySQL', 'MYSQL_URL', (c) => c.mysqlUrl],
};

describe('createDemoStore()', () => {
  it.each<StoreKind>(['sqlite', 'redis', 'memcached', 'postgres', 'mysql'])(
    '%s: two instances over one store keep one session, and close twice without error',
    async (kind) => {
      const settings = config(kind);
      const server = SERVERS[kind];
      if (server) await reachable(server[0], server[1], server[2](settings));
      const [one, two] = [await createDemoStore(settings), await createDemoStore(settings)];
      try {
        const [first, second] = [manager(one.store), manager(two.store)];
        const visitor = new Visitor();
        await visitor.request(first, (s) => login(s, { username: 'alice', password: 'alice-secret' }));
        expect(await visitor.request(second, readState)).toMatchObject({
          user: 'alice',
          flash: ['Welcome, alice'],
        });
        const signedIn = visitor.cookie;
        await visitor.request(second, logout);
        const replay = new Visitor();
        replay.cookie = signedIn;
        expect((await replay.request(first, readState)).user).toBeNull();
      } finally {
        await one.close();
        await two.close();
        await one.close();
      }
    },
  );

  it('memory: each instance has its own sessions (the documented limit)', async () => {
    const [one, two] = [await createDemoStore(config('memory')), await createDemoStore(config('memory'))];
    const visitor = new Visitor();
    await visitor.request(manager(one.store), (s) => login(s, { username: 'bob', password: 'bob-secret' }));
    expect((await visitor.request(manager(two.store), readState)).user).toBeNull();
    await one.close();
    await two.close();
  });

  it('redis: logs where it failed to connect, never the password of REDIS_URL', async () => {
    const port = await freePort(); // nothing listens there: every connection attempt fails
    const logged: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((line: unknown) => {
      logged.push(String(line));
    });
    const demo = await createDemoStore({
      ...config('redis'),
      redisUrl: `redis://ada:hunter2-redis-password@127.0.0.1:${port}/0?password=hunter3`,
    });
    try {
      await expect(demo.store.get('any-key')).rejects.toThrow();
      for (let i = 0; i < 100 && logged.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(logged).toEqual([expect.stringContaining(`redis at redis://127.0.0.1:${port}/0:`)]);
      expect(logged.join('\n')).not.toMatch(/hunter|ada/);
    } finally {
      spy.mockRestore();
      await demo.close();
    }
  });

  it('sqlite: creates the folder of SESSION_SQLITE_FILE', async () => {
    const store = await createDemoStore({
      ...config('sqlite'),
      sqliteFile: join(dataDir, 'a', 'b', 'sessions.db'),
    });
    await store.close();
  });
});
