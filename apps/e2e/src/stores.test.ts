// Each demo honours SESSION_STORE for the stores the other files do not cover: PostgreSQL, MariaDB /
// MySQL and Memcached (SQLite, memory and Redis are in contract, instances and outage). One pass of a
// user's life per store: write, sign in (regenerate), flash, sign out of other devices (Memcached keeps
// no per-user index: that answers 501, its documented limit), sign out.

import { CookieClient, startMemcachedServer } from '@cloakroom/session-adapter-test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Demo } from './demos.ts';
import { describeDemos, expectError, signIn, state } from './fixtures.ts';
import { type DemoEnv, type RunningDemo, randomSecret, requireServer, startDemo } from './harness.ts';

const EMPTY = { user: null, count: 0, cart: [], flash: [] };

interface StoreCase {
  readonly store: 'postgres' | 'mysql' | 'memcached';
  /** Whether the store keeps a per-user index (listing and revoking a user's sessions). */
  readonly userIndex: boolean;
  /** Resolves the environment for the demo (checking the server is there), and what to stop after. */
  readonly prepare: () => Promise<{ env: DemoEnv; release(): void }>;
}

const CASES: readonly StoreCase[] = [
  {
    store: 'postgres',
    userIndex: true,
    async prepare() {
      const url = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
      await requireServer('PostgreSQL', 'PG_URL', url);
      return { env: { PG_URL: url }, release: () => undefined };
    },
  },
  {
    store: 'mysql',
    userIndex: true,
    async prepare() {
      const url = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
      await requireServer('MariaDB/MySQL', 'MYSQL_URL', url);
      return { env: { MYSQL_URL: url }, release: () => undefined };
    },
  },
  {
    store: 'memcached',
    userIndex: false,
    async prepare() {
      // A private one on a spare port: nothing listens by default on this machine.
      const server = await startMemcachedServer({ memoryMb: 16 });
      return { env: { MEMCACHED_URL: server.url }, release: () => void server.close() };
    },
  },
];

function onEveryStore(demo: Demo): void {
  for (const { store, userIndex, prepare } of CASES) {
    describe(`SESSION_STORE=${store}`, () => {
      let app: RunningDemo | undefined;
      let release: (() => void) | undefined;
      beforeAll(async () => {
        const prepared = await prepare();
        release = prepared.release;
        app = await startDemo(demo, {
          SESSION_STORE: store,
          SESSION_SECRET: randomSecret(),
          ...prepared.env,
        });
      }, 60_000);
      afterAll(async () => {
        await app?.stop();
        release?.();
      }, 30_000);

      it('keeps a session through a write, sign-in, the flash, signing out other devices, and sign-out', async () => {
        const laptop = new CookieClient(app!.baseUrl);
        expect((await laptop.post('/api/count')).json()).toEqual({ count: 1 });
        expect((await laptop.post('/api/cart', { json: { item: 'tea' } })).json()).toEqual({ cart: ['tea'] });
        const anonymous = laptop.snapshot();
        await signIn(laptop, 'bob');
        expect(await state(laptop)).toEqual({
          user: 'bob',
          count: 1,
          cart: ['tea'],
          flash: ['Welcome, bob'],
        });
        expect(await state(laptop)).toEqual({ user: 'bob', count: 1, cart: ['tea'], flash: [] });
        expect(await state(anonymous), 'the pre-login cookie is dead').toEqual(EMPTY);
        const phone = new CookieClient(app!.baseUrl);
        await signIn(phone, 'bob');
        const revoked = await laptop.post('/api/sessions/revoke-others');
        if (userIndex) {
          expect(revoked.status, revoked.text).toBe(200);
          expect(revoked.json<{ revoked: number }>().revoked).toBeGreaterThanOrEqual(1);
          expect((await state(phone)).user, 'the other device is signed out').toBeNull();
        } else {
          // The documented limit: no per-user index, so no listing; said plainly, never a 500.
          expectError(revoked, 501);
          expectError(await laptop.get('/api/sessions'), 501);
          expect((await state(phone)).user, 'nothing was revoked').toBe('bob');
          expect((await phone.post('/api/logout')).status).toBe(204);
        }
        expect((await laptop.post('/api/logout')).status).toBe(204);
        expect(await state(laptop)).toEqual(EMPTY);
      });
    });
  }
}

describeDemos('the other stores', onEveryStore);
