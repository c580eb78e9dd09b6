// Issue 14: revocation acts on exactly the user asked for, and one user's sessions stay bounded.
import { describe, expect, it } from 'vitest';
import { createSessionManager } from './factory.ts';
import { memoryStore } from './memory-store.ts';
import type { AnySessionStore, StoredUserSession } from './store.ts';
import { SECRET, START, setup, storeOver, write } from './test-harness.ts';

/** A memory store whose per-user index compares like MySQL's PAD SPACE collations: 'alice' = 'alice '. */
function padCollation(): AnySessionStore {
  const clock = { now: START };
  const memory = memoryStore({ warn: false, now: () => clock.now });
  const users = new Set<string>();
  return {
    get: (key) => memory.get(key),
    create: (key, w) => {
      if (w.userId !== null) users.add(w.userId);
      return memory.create(key, w);
    },
    set: (key, w) => {
      if (w.userId !== null) users.add(w.userId);
      return memory.set(key, w);
    },
    compareAndSet: (key, v, w) => {
      if (w.userId !== null) users.add(w.userId);
      return memory.compareAndSet(key, v, w);
    },
    touch: (key, e) => memory.touch(key, e),
    delete: (key) => memory.delete(key),
    async listByUser(userId) {
      const rows: StoredUserSession[] = [];
      for (const user of users) {
        if (user.trimEnd() === userId.trimEnd()) rows.push(...(await memory.listByUser(user)));
      }
      return rows;
    },
  };
}

describe('revoking a user’s sessions', () => {
  it('revokeOtherSessions() never ends another user’s session that the index lists too', async () => {
    const manager = createSessionManager({ store: padCollation(), secret: SECRET, now: () => START });
    const { cookie: alice } = await write(manager, null, (s) => s.setUser('alice'));
    const { cookie: aliceOther } = await write(manager, null, (s) => s.setUser('alice'));
    const { cookie: padded } = await write(manager, null, (s) => s.setUser('alice '));
    let revoked = -1;
    await write(manager, alice, async (s) => {
      revoked = await s.revokeOtherSessions();
    });
    expect(revoked).toBe(1);
    expect(await manager.open({ cookie: aliceOther, secure: true }).session.exists()).toBe(false);
    expect(await manager.open({ cookie: padded, secure: true }).session.getUser()).toBe('alice ');
    expect(await manager.destroyUserSessions('alice')).toBe(1);
    expect(await manager.open({ cookie: padded, secure: true }).session.exists()).toBe(true);
  });

  it('the per-user cap counts and evicts only that user’s sessions', async () => {
    const manager = createSessionManager({
      store: padCollation(),
      secret: SECRET,
      now: () => START,
      maxSessionsPerUser: 1,
    });
    const { cookie: padded } = await write(manager, null, (s) => s.setUser('bob '));
    await write(manager, null, (s) => s.setUser('bob'));
    expect(await manager.open({ cookie: padded, secure: true }).session.getUser()).toBe('bob ');
  });
});

describe('maxSessionsPerUser', () => {
  it('defaults to 100 on a store with a per-user index: the 101st sign-in ends the oldest', async () => {
    const h = setup();
    const cookies: string[] = [];
    for (let i = 0; i < 101; i++) {
      h.clock.now += 1000;
      cookies.push((await write(h.manager, null, (s) => s.setUser('carol'))).cookie!);
    }
    expect(await h.manager.listUserSessions('carol')).toHaveLength(100);
    expect(await h.manager.open({ cookie: cookies[0]!, secure: true }).session.exists()).toBe(false);
    expect(await h.manager.open({ cookie: cookies[1]!, secure: true }).session.exists()).toBe(true);
  });

  it('a store without a per-user index (Memcached) still starts, uncapped', () => {
    const store = storeOver(memoryStore({ warn: false }));
    expect(createSessionManager({ store, secret: SECRET }).capabilities.userIndex).toBe(false);
    expect(() => createSessionManager({ store, secret: SECRET, maxSessionsPerUser: 5 })).toThrow(
      /per-user index/,
    );
  });

  it('refuses a cap that is not a whole number of at least 1', () => {
    for (const cap of [0, -1, 1.5, Number.NaN]) {
      expect(() => setup({ maxSessionsPerUser: cap })).toThrow(/maxSessionsPerUser/);
    }
    expect(() => setup({ maxSessionsPerUser: Number.POSITIVE_INFINITY })).not.toThrow();
  });
});

describe('values handed out by get(), all() and consumeFlash()', () => {
  it('are copies: mutating them never changes the stored record or another request’s view', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => {
      s.set('cart', [{ item: 'tea', tags: ['hot'] }]);
      s.flash('notice', { text: 'saved' });
    });
    const one = h.manager.open({ cookie, secure: true });
    const two = h.manager.open({ cookie, secure: true });
    const cart = (await one.session.get('cart')) as Array<{ item: string; tags: string[] }>;
    cart[0]!.tags.push('mutated');
    cart.push({ item: 'cake', tags: [] });
    const all = (await one.session.all()) as { cart: Array<{ item: string }> };
    all.cart[0]!.item = 'changed';
    expect(await two.session.get('cart')).toEqual([{ item: 'tea', tags: ['hot'] }]);
    expect(await one.session.get('cart'), 'nor this request’s own view').toEqual([
      { item: 'tea', tags: ['hot'] },
    ]);
    const [notice] = (await one.session.consumeFlash('notice')) as Array<{ text: string }>;
    notice!.text = 'mutated';
    expect(await two.session.consumeFlash('notice')).toEqual([{ text: 'saved' }]);
    // A change saved with set() is what counts.
    cart[0]!.tags = ['iced'];
    one.session.set('cart', cart);
    await one.commit({ status: 200 });
    const fresh = h.manager.open({ cookie, secure: true });
    expect(await fresh.session.get('cart')).toEqual([
      { item: 'tea', tags: ['iced'] },
      { item: 'cake', tags: [] },
    ]);
  });

  it('a nested __proto__ key in stored data stays data in a copy', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) =>
      s.set('nested', JSON.parse('{"__proto__":{"polluted":1}}')),
    );
    const value = (await h.manager.open({ cookie, secure: true }).session.get('nested')) as object;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('a Secure cookie answered to a plain-http request', () => {
  it('warns once, naming the options to set; never for https or secure: "auto"', async () => {
    const { vi } = await import('vitest');
    const spy = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const h = setup();
      for (let i = 0; i < 3; i++) {
        const handle = h.manager.open({ cookie: null, secure: false });
        handle.session.set('n', i);
        await handle.commit({ status: 200 });
      }
      expect(spy).toHaveBeenCalledTimes(1);
      expect(String(spy.mock.calls[0]![0])).toMatch(/plain http.*trustProxy.*secure: 'auto'/s);
      spy.mockClear();
      const auto = setup({ cookie: { secure: 'auto' } });
      const handle = auto.manager.open({ cookie: null, secure: false });
      handle.session.set('n', 1);
      await handle.commit({ status: 200 });
      const https = setup();
      await write(https.manager, null, (s) => s.set('n', 1)); // the harness sends secure: true
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});

describe('instanceof across copies of core', () => {
  it('an error or a manager made by another copy of the package (same brand) is recognised', async () => {
    const { SessionError, SessionStoreError } = await import('./errors.ts');
    const { SessionManager } = await import('./manager.ts');
    // What a second copy's objects look like from here: other prototypes, the same Symbol.for brands.
    const foreignError = Object.defineProperty(new Error('x'), Symbol.for('@cloakroom/session-core:error'), {
      value: 'SessionStoreError',
    });
    expect(foreignError instanceof SessionError).toBe(true);
    expect(foreignError instanceof SessionStoreError).toBe(true);
    const foreignBase = Object.defineProperty(new Error('x'), Symbol.for('@cloakroom/session-core:error'), {
      value: 'SessionError',
    });
    expect(foreignBase instanceof SessionError).toBe(true);
    expect(foreignBase instanceof SessionStoreError).toBe(false);
    expect(new Error('plain') instanceof SessionError).toBe(false);
    const foreignManager = Object.defineProperty({}, Symbol.for('@cloakroom/session-core:SessionManager'), {
      value: true,
    });
    expect(foreignManager instanceof SessionManager).toBe(true);
    expect({} instanceof SessionManager).toBe(false);
    expect(setup().manager instanceof SessionManager).toBe(true);
    expect(new SessionStoreError('get', 'down') instanceof SessionError).toBe(true);
  });
});
