import { createSessionManager, type SessionManager, SessionStoreError } from '@cloakroom/session-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MemcachedStore, memcachedStore } from './memcached-store.ts';
import { type PrivateMemcached, startMemcached } from './test/memcached-server.ts';

/** The store as core uses it: a session manager, requests simulated by their Cookie header. */
describe('memcachedStore() under the session manager', () => {
  let server: PrivateMemcached;
  let store: MemcachedStore;
  let sessions: SessionManager<{ visits: number; a: string; b: string }>;

  beforeAll(async () => {
    server = await startMemcached();
    store = memcachedStore({ servers: server.address, prefix: 'manager:' });
    sessions = createSessionManager({ store, secret: 'x'.repeat(32), cookie: { secure: false } });
  });
  afterAll(async () => {
    await store?.close();
    await server?.stop();
  });

  /** One request: reads visits, bumps it, commits; returns the cookie to send next time. */
  async function visit(cookie: string | null): Promise<{ visits: number; cookie: string | null }> {
    const handle = sessions.open({ cookie });
    const visits = ((await handle.session.get('visits')) ?? 0) + 1;
    handle.session.set('visits', visits);
    const { setCookie } = await handle.commit({ status: 200 });
    return { visits, cookie: setCookie === null ? cookie : setCookie.split(';')[0]! };
  }

  it('keeps a session across requests', async () => {
    const first = await visit(null);
    const second = await visit(first.cookie);
    expect([first.visits, second.visits]).toEqual([1, 2]);
  });

  it('keeps both of two parallel requests that change different keys (CAS conflict, re-apply)', async () => {
    const { cookie } = await visit(null);
    // A second manager stands for a second process: nothing serializes the two commits but CAS.
    const elsewhere = createSessionManager<{ visits: number; a: string; b: string }>({
      store,
      secret: 'x'.repeat(32),
      cookie: { secure: false },
    });
    const left = sessions.open({ cookie });
    const right = elsewhere.open({ cookie });
    // Both load the same version, then both write: one compare-and-set loses and core re-applies.
    await Promise.all([left.session.get('visits'), right.session.get('visits')]);
    left.session.set('a', 'from left');
    right.session.set('b', 'from right');
    await Promise.all([left.commit({ status: 200 }), right.commit({ status: 200 })]);
    const check = sessions.open({ cookie });
    expect(await check.session.all()).toMatchObject({ visits: 1, a: 'from left', b: 'from right' });
  });

  it('fails with a 503 SessionStoreError while the server is down, and starts afresh once it is back', async () => {
    const { cookie } = await visit((await visit(null)).cookie);
    await server.stop();
    const failed = visit(cookie);
    await expect(failed).rejects.toBeInstanceOf(SessionStoreError);
    await expect(failed).rejects.toMatchObject({ status: 503 });

    await server.start();
    // The restarted memcached lost its data: a fresh session, not an error and not a 5xx.
    const again = await visit(cookie);
    expect(again.visits).toBe(1);
    expect(again.cookie).not.toBe(cookie);
  });
});
