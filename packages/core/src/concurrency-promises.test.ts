// Issue 13: the concurrency promises a user relies on. update() answers what the store holds; a
// session destroyed meanwhile is never revived by a regenerate; a regenerate is all-or-nothing.
import { describe, expect, it } from 'vitest';
import type { SessionError } from './errors.ts';
import { createSessionManager } from './factory.ts';
import { memoryStore } from './memory-store.ts';
import type { AnySessionStore } from './store.ts';
import { cookiePair, read, SECRET, START, setup, storeOver, write } from './test-harness.ts';

describe('session.update()', () => {
  it('50 parallel increments in one process answer 50 distinct values, each the one stored', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => s.set('n', 0));
    const answers = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const handle = h.manager.open({ cookie, secure: true });
        const answer = await handle.session.update('n', (n) => ((n as number) ?? 0) + 1);
        await handle.commit({ status: 200 });
        return answer;
      }),
    );
    expect([...answers].sort((a, b) => (a as number) - (b as number))).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    expect((await read(h.manager, cookie, 'n')).value).toBe(50);
  });

  it('answers only after the store holds the value, before the response commits', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => s.set('n', 41));
    const handle = h.manager.open({ cookie, secure: true });
    expect(await handle.session.update('n', (n) => (n as number) + 1)).toBe(42);
    // Another request sees it before this one commits.
    expect((await read(h.manager, cookie, 'n')).value).toBe(42);
    await handle.commit({ status: 200 });
    expect((await read(h.manager, cookie, 'n')).value).toBe(42);
  });

  it('across two managers on one store (two processes), answers are distinct and all land', async () => {
    const h = setup();
    const other = createSessionManager({ store: h.memory, secret: SECRET, now: () => h.clock.now });
    const { cookie } = await write(h.manager, null, (s) => s.set('n', 0));
    const answers = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const handle = (i % 2 === 0 ? h.manager : other).open({ cookie, secure: true });
        await handle.session.exists();
        const answer = await handle.session.update('n', (n) => (n as number) + 1);
        await handle.commit({ status: 200 });
        return answer as number;
      }),
    );
    expect(new Set(answers).size).toBe(40);
    expect(Math.max(...answers)).toBe(40);
    expect((await read(h.manager, cookie, 'n')).value).toBe(40);
  });

  it('is kept when the response later fails with a 5xx; set() in the same request is not', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => s.set('n', 1));
    const handle = h.manager.open({ cookie, secure: true });
    await handle.session.update('n', (n) => (n as number) + 1);
    handle.session.set('other', 'lost');
    await handle.commit({ status: 500 });
    expect((await read(h.manager, cookie, 'n')).value).toBe(2);
    expect((await read(h.manager, cookie, 'other')).value).toBeUndefined();
  });

  it('keeps the request’s other pending changes on top of the stored value', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => s.set('n', 1));
    const handle = h.manager.open({ cookie, secure: true });
    handle.session.set('a', 'pending');
    expect(await handle.session.update('n', (n) => (n as number) + 1)).toBe(2);
    expect(await handle.session.get('a')).toBe('pending');
    expect((await read(h.manager, cookie, 'a')).value).toBeUndefined();
    await handle.commit({ status: 200 });
    expect(await h.manager.open({ cookie, secure: true }).session.all()).toEqual({ n: 2, a: 'pending' });
  });

  it('on a session destroyed meanwhile: reported as dropped, the old session stays dead', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => s.set('n', 5));
    const handle = h.manager.open({ cookie, secure: true });
    await handle.session.exists();
    await write(h.manager, cookie, (s) => s.destroy());
    expect(await handle.session.update('n', (n) => ((n as number | undefined) ?? 0) + 1)).toBe(1);
    expect(h.errors.map((e) => e.code)).toContain('SESSION_WRITE_DROPPED');
    const result = await handle.commit({ status: 200 });
    expect((await read(h.manager, cookie, 'n')).value, 'the old id stays dead').toBeUndefined();
    // What follows is a new session under a new id, like any write after destroy().
    expect(cookiePair(result.setCookie)).not.toBe(cookie);
  });
});

describe('session.regenerate() racing a destroy', () => {
  for (const how of ['destroy()', 'revokeOtherSessions()', 'destroyUserSessions()'] as const) {
    it(`after ${how} elsewhere, creates nothing: dropped, reported, only the clearing cookie`, async () => {
      const h = setup();
      const { cookie: alice } = await write(h.manager, null, (s) => s.setUser('alice'));
      const { cookie: other } = await write(h.manager, null, (s) => s.setUser('alice'));
      // Request B loads alice's session, then another request ends it.
      const b = h.manager.open({ cookie: alice, secure: true });
      await b.session.exists();
      if (how === 'destroy()') await write(h.manager, alice, (s) => s.destroy());
      if (how === 'revokeOtherSessions()')
        await write(h.manager, other, async (s) => void (await s.revokeOtherSessions()));
      if (how === 'destroyUserSessions()') await h.manager.destroyUserSessions('alice');
      const before = h.memory.size;
      b.session.regenerate();
      b.session.set('signedInAgain', true);
      const result = await b.commit({ status: 200 });
      expect(h.memory.size, 'no record was created').toBe(before);
      expect(h.errors.map((e) => e.code)).toContain('SESSION_WRITE_DROPPED');
      expect(result.setCookie, 'only the clearing cookie').toMatch(/^__Host-session=;.*Max-Age=0/);
      expect(await h.manager.listUserSessions('alice')).toHaveLength(how === 'destroyUserSessions()' ? 0 : 1);
    });
  }

  it('after an idle expiry, creates nothing either', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => s.setUser('alice'));
    const b = h.manager.open({ cookie, secure: true });
    await b.session.exists();
    h.clock.now += 3601 * 1000;
    b.session.regenerate();
    const result = await b.commit({ status: 200 });
    expect(result.setCookie).toMatch(/Max-Age=0/);
    expect(await h.manager.listUserSessions('alice')).toEqual([]);
  });
});

describe('session.regenerate() is all-or-nothing', () => {
  function failingDelete(): {
    store: AnySessionStore;
    memory: ReturnType<typeof memoryStore>;
    fail: { delete: boolean };
  } {
    const clock = { now: START };
    const memory = memoryStore({ warn: false, now: () => clock.now });
    const fail = { delete: false };
    const store = storeOver(memory, {
      compareAndSet: (key, v, w) => memory.compareAndSet(key, v, w),
      listByUser: (user) => memory.listByUser(user),
      delete: async (key) => {
        if (fail.delete) {
          fail.delete = false; // the clean-up of the new record goes through
          throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        }
        return memory.delete(key);
      },
    });
    return { store, memory, fail };
  }

  it('when the old record cannot be deleted: 503, no new cookie, the new record taken back, the old id unchanged', async () => {
    const { store, memory, fail } = failingDelete();
    const errors: SessionError[] = [];
    const manager = createSessionManager({ store, secret: SECRET, onError: (e) => errors.push(e) });
    const { cookie } = await write(manager, null, (s) => s.set('cart', ['tea']));
    expect(memory.size).toBe(1);
    const handle = manager.open({ cookie, secure: true });
    await handle.session.exists();
    handle.session.regenerate();
    handle.session.setUser('alice');
    fail.delete = true;
    const failed = await handle.commit({ status: 200 }).then(
      () => null,
      (error: SessionError) => error,
    );
    expect(failed?.code).toBe('SESSION_STORE');
    expect(failed?.status).toBe(503);
    expect(memory.size, 'the copy under the new id was deleted').toBe(1);
    // The old id still works, unchanged: nothing of the sign-in happened.
    expect(await manager.open({ cookie, secure: true }).session.all()).toEqual({ cart: ['tea'] });
    expect(await manager.open({ cookie, secure: true }).session.getUser()).toBeNull();
    expect(await manager.listUserSessions('alice')).toEqual([]);
  });
});
