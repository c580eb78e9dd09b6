// Lifecycle edge cases: changes during a commit, cookie and store expiry kept together, lost races,
// and the checks a weaker test suite would not notice missing.
import { describe, expect, it } from 'vitest';
import { toRecord } from './codec.ts';
import type { CryptoProvider } from './crypto.ts';
import { webCryptoProvider } from './crypto.ts';
import { nodeCryptoProvider } from './crypto-node.ts';
import { verifyCsrf } from './csrf.ts';
import { redactError } from './errors.ts';
import { createSessionManager } from './factory.ts';
import { type MemoryStore, memoryStore } from './memory-store.ts';
import type { AnySessionStore } from './store.ts';
import { cookiePair, read, SECRET, START, setup, write } from './test-harness.ts';

/** A real memory store whose compare-and-set and create wait for `release()`. */
function gated(memory: MemoryStore) {
  let gate: Promise<void> | null = null;
  let release: () => void = () => {};
  const hold = () => {
    gate = new Promise((resolve) => {
      release = () => {
        gate = null;
        resolve();
      };
    });
  };
  const store: AnySessionStore = {
    get: (key) => memory.get(key),
    create: async (key, w) => {
      if (gate) await gate;
      return memory.create(key, w);
    },
    set: (key, w) => memory.set(key, w),
    touch: (key, e) => memory.touch(key, e),
    delete: (key) => memory.delete(key),
    compareAndSet: async (key, v, w) => {
      if (gate) await gate;
      return memory.compareAndSet(key, v, w);
    },
    listByUser: (user) => memory.listByUser(user),
  };
  return { store, hold, release: () => release() };
}

async function storedExpiry(memory: MemoryStore, cookie: string): Promise<number> {
  const id = cookie.split('=')[1]!.split('.')[0]!;
  return (await memory.get(await nodeCryptoProvider.sha256(id)))!.expiresAt;
}

describe('changes made while a commit is in flight', () => {
  it('are kept for the next commit, for an existing and for a new session', async () => {
    const clock = { now: START };
    const memory = memoryStore({ warn: false, now: () => clock.now });
    const g = gated(memory);
    const manager = createSessionManager({ store: g.store, secret: SECRET, now: () => clock.now });
    const { cookie } = await write(manager, null, (s) => s.set('a', 1));

    const existing = manager.open({ cookie, secure: true });
    await existing.session.get('a');
    existing.session.set('a', 2);
    g.hold();
    const saving = existing.session.save();
    await Promise.resolve();
    existing.session.set('b', 3);
    g.release();
    await saving;
    expect(existing.session.state).toBe('modified');
    await existing.commit({ status: 200 });
    expect(await manager.open({ cookie, secure: true }).session.all()).toEqual({ a: 2, b: 3 });

    const fresh = manager.open({ cookie: null });
    fresh.session.set('x', 1);
    g.hold();
    const creating = fresh.commit({ status: 200 });
    await Promise.resolve();
    fresh.session.set('y', 2);
    expect(await fresh.session.get('y')).toBe(2);
    g.release();
    await creating;
    const result = await fresh.commit({ status: 200 });
    expect(await manager.open({ cookie: cookiePair(result.setCookie), secure: true }).session.all()).toEqual({
      x: 1,
      y: 2,
    });
  });

  it('a regenerate() asked for during a save still happens', async () => {
    const clock = { now: START };
    const memory = memoryStore({ warn: false, now: () => clock.now });
    const g = gated(memory);
    const manager = createSessionManager({ store: g.store, secret: SECRET, now: () => clock.now });
    const { cookie } = await write(manager, null, (s) => s.set('a', 1));
    const login = manager.open({ cookie, secure: true });
    await login.session.get('a');
    login.session.setUser('alice');
    g.hold();
    const saving = login.session.save();
    await Promise.resolve();
    login.session.regenerate();
    g.release();
    await saving;
    const result = await login.commit({ status: 200 });
    expect(cookiePair(result.setCookie)).not.toBe(cookie);
    expect(await manager.open({ cookie, secure: true }).session.exists()).toBe(false);
  });
});

describe('cookie and store expiry move together', () => {
  it('frequent writes refresh the cookie whenever they extend the record, so neither outlives the other', async () => {
    const h = setup({ touchInterval: 600 });
    let { cookie } = await write(h.manager, null, (s) => s.set('n', 0));
    let cookieExpires = h.clock.now + 3600_000;
    for (let step = 0; step < 12; step++) {
      h.clock.now += 500_000;
      const before = await storedExpiry(h.memory, cookie!);
      const result = await write(h.manager, cookie, async (s) => {
        await s.update('n', (n) => (n as number) + 1);
      });
      const after = await storedExpiry(h.memory, cookie!);
      if (result.setCookie === null) {
        expect(after).toBe(before);
      } else {
        expect(result.setCookie).toContain('Max-Age=3600');
        cookieExpires = h.clock.now + 3600_000;
        expect(after).toBe(cookieExpires);
        cookie = cookiePair(result.setCookie);
      }
      expect(cookieExpires).toBeGreaterThan(h.clock.now);
      expect(after).toBe(cookieExpires);
    }
  });

  it('a response that cannot carry a cookie leaves the expiry alone; the next one refreshes both', async () => {
    const h = setup({ touchInterval: 600 });
    const { cookie } = await write(h.manager, null, (s) => s.set('a', 1));
    h.clock.now += 3000_000;
    const readonly = h.manager.open({ cookie, secure: true });
    await readonly.session.get('a');
    await readonly.commit({ status: 200, cookies: false });
    expect(h.calls.touch ?? 0).toBe(0);
    h.clock.now += 100_000;
    expect((await read(h.manager, cookie, 'a')).setCookie).toContain('Max-Age=3600');
    expect(h.calls.touch).toBe(1);
  });
});

describe('lost races', () => {
  it('a write that loses to a regenerate is dropped without touching the new cookie', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => s.set('a', 1));
    const slow = h.manager.open({ cookie, secure: true });
    await slow.session.get('a');
    await write(h.manager, cookie, (s) => s.regenerate());
    slow.session.set('a', 2);
    const result = await slow.commit({ status: 200 });
    expect(result.setCookie).toBeNull();
    expect(h.errors.map((e) => e.code)).toContain('SESSION_WRITE_DROPPED');
  });

  it('a due touch of a session regenerated meanwhile does not re-send the dead id', async () => {
    const h = setup({ touchInterval: 60 });
    const { cookie } = await write(h.manager, null, (s) => s.set('a', 1));
    h.clock.now += 120_000;
    const slow = h.manager.open({ cookie, secure: true });
    await slow.session.get('a');
    await write(h.manager, cookie, (s) => s.regenerate());
    expect((await slow.commit({ status: 200 })).setCookie).toBeNull();
  });

  it('regenerate() copies the newest data, not the view it loaded', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => s.set('cart', ['x']));
    const login = h.manager.open({ cookie, secure: true });
    await login.session.get('cart');
    await write(h.manager, cookie, async (s) => {
      await s.update('cart', (cart) => [...((cart as string[]) ?? []), 'y']);
    });
    login.session.regenerate();
    login.session.setUser('alice');
    const result = await login.commit({ status: 200 });
    expect((await read(h.manager, cookiePair(result.setCookie), 'cart')).value).toEqual(['x', 'y']);
  });

  it('a store failure in a coalesced write fails every request once, never re-applying their changes', async () => {
    const clock = { now: START };
    const memory = memoryStore({ warn: false, now: () => clock.now });
    let failNext = false;
    const store: AnySessionStore = {
      get: (key) => memory.get(key),
      create: (key, w) => memory.create(key, w),
      set: (key, w) => memory.set(key, w),
      touch: (key, e) => memory.touch(key, e),
      delete: (key) => memory.delete(key),
      compareAndSet: async (key, v, w) => {
        const result = await memory.compareAndSet(key, v, w);
        if (failNext) {
          failNext = false;
          throw Object.assign(new Error('Command timed out'), { code: 'ETIMEDOUT' });
        }
        return result;
      },
    };
    const manager = createSessionManager({ store, secret: SECRET, now: () => clock.now, onError: () => {} });
    const { cookie } = await write(manager, null, (s) => s.set('n', 0));
    const handles = [0, 1].map(() => manager.open({ cookie, secure: true }));
    for (const handle of handles) await handle.session.exists();
    failNext = true;
    // Both updates queue up and go out in one compare-and-set, which lands but answers an error.
    const results = await Promise.allSettled(
      handles.map((handle) => handle.session.update('n', (n) => (n as number) + 1)),
    );
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((await read(manager, cookie, 'n')).value).toBe(2);
    // Nothing of theirs is pending: their commits write nothing more.
    await Promise.all(handles.map((handle) => handle.commit({ status: 200 })));
    expect((await read(manager, cookie, 'n')).value).toBe(2);
  });

  it('consumeFlash() removes only what it read; a value queued meanwhile elsewhere survives', async () => {
    const clock = { now: START };
    const store = memoryStore({ warn: false, now: () => clock.now });
    const a = createSessionManager({ store, secret: SECRET, now: () => clock.now });
    const b = createSessionManager({ store, secret: SECRET, now: () => clock.now });
    const { cookie } = await write(a, null, (s) => s.flash('m', 'first'));
    const reader = a.open({ cookie, secure: true });
    expect(await reader.session.consumeFlash('m')).toEqual(['first']);
    await write(b, cookie, (s) => s.flash('m', 'second'));
    await reader.commit({ status: 200 });
    expect(await a.open({ cookie, secure: true }).session.consumeFlash('m')).toEqual(['second']);
  });

  it('update() saves exactly what it returned when nothing conflicted', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => s.set('a', 1));
    let calls = 0;
    const handle = h.manager.open({ cookie, secure: true });
    const returned = await handle.session.update('nonce', () => `nonce-${++calls}`);
    await handle.commit({ status: 200 });
    expect((await read(h.manager, cookie, 'nonce')).value).toBe(returned);
    expect(calls).toBe(1);
  });
});

describe('smaller promises', () => {
  it('touch() alone moves the expiry and refreshes the cookie', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => s.set('a', 1));
    h.clock.now += 10_000;
    const handle = h.manager.open({ cookie, secure: true });
    handle.session.touch();
    expect((await handle.commit({ status: 200 })).setCookie).toContain('Max-Age=3600');
    expect(h.calls.touch).toBe(1);
  });

  it('regenerating a session already bound to the user does not evict another device', async () => {
    const h = setup({ maxSessionsPerUser: 2 });
    const laptop = (await write(h.manager, null, (s) => s.setUser('alice'))).cookie!;
    h.clock.now += 1000;
    const phone = (await write(h.manager, null, (s) => s.setUser('alice'))).cookie!;
    await write(h.manager, phone, (s) => s.regenerate());
    expect(await h.manager.open({ cookie: laptop, secure: true }).session.exists()).toBe(true);
    expect((await h.manager.listUserSessions('alice')).length).toBe(2);
  });

  it('padding with junk cookies of our name cannot push the victim cookie out of view', async () => {
    const h = setup({ cookie: { name: 'sid' } });
    const victim = (await write(h.manager, null, (s) => s.set('who', 'victim'))).cookie!;
    const attacker = (await write(h.manager, null, (s) => s.set('who', 'attacker'))).cookie!;
    const header = `sid=x; sid=x; sid=x; ${attacker}; ${victim}`;
    expect((await read(h.manager, header, 'who')).value).toBeUndefined();
    expect(h.errors.map((e) => e.code)).toContain('SESSION_COOKIE_TOSSING');
  });

  it('core enforces idle and absolute expiry itself, even when the store still returns the record', async () => {
    const h = setup();
    const lagging = memoryStore({ warn: false, now: () => START });
    const manager = createSessionManager({
      store: lagging,
      secret: SECRET,
      idleTimeout: 3600,
      absoluteTimeout: 7200,
      now: () => h.clock.now,
    });
    const { cookie } = await write(manager, null, (s) => s.set('a', 1));
    h.clock.now += 3601_000;
    expect((await read(manager, cookie, 'a')).value).toBeUndefined();
    expect(lagging.size).toBe(0);
    const second = (await write(manager, null, (s) => s.set('a', 1))).cookie!;
    for (let i = 0; i < 5; i++) {
      h.clock.now += 1800_000;
      await write(manager, second, (s) => s.touch());
    }
    expect((await read(manager, second, 'a')).value).toBeUndefined();
  });

  it('a colliding id never overwrites a record: create is insert-only', async () => {
    const fixed = 'A'.repeat(43);
    let calls = 0;
    const crypto: CryptoProvider = {
      ...nodeCryptoProvider,
      randomToken: (n) => (n === 32 && calls++ < 2 ? fixed : nodeCryptoProvider.randomToken(n)),
    };
    const h = setup({ crypto });
    const first = (await write(h.manager, null, (s) => s.set('who', 'first'))).cookie!;
    const second = (await write(h.manager, null, (s) => s.set('who', 'second'))).cookie!;
    expect(second).not.toBe(first);
    expect((await read(h.manager, first, 'who')).value).toBe('first');
    expect((await read(h.manager, second, 'who')).value).toBe('second');
  });

  it('a destroy response carries the caching headers', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => s.set('a', 1));
    const result = await write(h.manager, cookie, (s) => s.destroy());
    expect(result.headers).toContainEqual(['Cache-Control', 'private, no-store']);
  });

  it('signatures are bound to the cookie name', async () => {
    const store = memoryStore({ warn: false });
    const a = createSessionManager({ store, secret: SECRET, cookie: { name: 'a' } });
    const b = createSessionManager({ store, secret: SECRET, cookie: { name: 'b' } });
    const cookie = (await write(a, null, (s) => s.set('x', 1))).cookie!;
    expect((await read(b, `b=${cookie.slice(2)}`, 'x')).value).toBeUndefined();
  });

  it('a response that cannot carry a cookie refuses regenerate() and destroy()', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => s.set('a', 1));
    for (const act of ['regenerate', 'destroy'] as const) {
      const handle = h.manager.open({ cookie, secure: true });
      await handle.session.get('a');
      handle.session[act]();
      await expect(handle.commit({ status: 200, cookies: false })).rejects.toMatchObject({
        code: 'SESSION_COOKIE_READONLY',
      });
    }
    expect((await read(h.manager, cookie, 'a')).value).toBe(1);
  });

  it('only the canonical spelling of a signature verifies, on both providers', async () => {
    for (const provider of [webCryptoProvider, nodeCryptoProvider]) {
      const key = await provider.deriveKey(new Uint8Array(32).fill(1), 'p');
      const signature = await provider.sign(key, 'message');
      expect(await provider.verify(key, 'message', signature)).toBe(true);
      // The last of 43 base64url characters carries 2 unused bits: its siblings decode to the same bytes.
      const last = signature.at(-1)!;
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const index = alphabet.indexOf(last);
      for (let sibling = index - (index % 4); sibling < index - (index % 4) + 4; sibling++) {
        if (sibling === index) continue;
        expect(await provider.verify(key, 'message', signature.slice(0, -1) + alphabet[sibling])).toBe(false);
      }
    }
  });

  it('toRecord() refuses envelopes of the wrong shape', () => {
    const ok = { v: 1, c: 1, u: null, d: {} };
    expect(toRecord(ok)).not.toBeNull();
    for (const bad of [
      { ...ok, d: [] },
      { ...ok, u: 5 },
      { ...ok, t: 5 },
      { ...ok, f: { m: 'not an array' } },
      { ...ok, f: [] },
      { ...ok, c: Number.NaN },
      { ...ok, v: 2 },
      null,
      'text',
    ]) {
      expect(toRecord(bad)).toBeNull();
    }
  });

  it('redactError() drops quoted values drivers echo into messages', () => {
    const mysql = new Error(
      `You have an error in your SQL syntax near '{"d":{"card":"4111 1111"}}' at line 1`,
    );
    const pg = new Error('invalid input syntax for type json: "{\\"card\\":\\"4111\\"}"');
    for (const error of [mysql, pg]) expect(redactError(error).message).not.toContain('4111');
  });
});

describe('verifyCsrf()', () => {
  it('checks origin for every unsafe request and the token only where required', async () => {
    const h = setup();
    const handle = h.manager.open({ cookie: null });
    const token = await handle.session.csrfToken();
    const selfOrigin = 'https://app.example.com';
    const base = { method: 'POST', selfOrigin, origin: selfOrigin };
    expect(await verifyCsrf(handle.session, { ...base, requireToken: true, token })).toBe(true);
    expect(await verifyCsrf(handle.session, { ...base, requireToken: true, token: 'nope' })).toBe(false);
    expect(await verifyCsrf(handle.session, { ...base, requireToken: true })).toBe(false);
    expect(await verifyCsrf(handle.session, { ...base, requireToken: false })).toBe(true);
    expect(
      await verifyCsrf(handle.session, { ...base, origin: 'https://evil.test', requireToken: true, token }),
    ).toBe(false);
    expect(
      await verifyCsrf(handle.session, {
        method: 'POST',
        selfOrigin,
        secFetchSite: 'none',
        requireToken: false,
      }),
    ).toBe(true);
    expect(await verifyCsrf(handle.session, { method: 'GET', selfOrigin, requireToken: true })).toBe(true);
  });
});
