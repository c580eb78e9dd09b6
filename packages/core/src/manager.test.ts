import { describe, expect, it } from 'vitest';
import { webCryptoProvider } from './crypto.ts';
import { nodeCryptoProvider } from './crypto-node.ts';
import { SessionError, SessionStoreError } from './errors.ts';
import { createSessionManager } from './factory.ts';
import { mapSessionErrors } from './map-errors.ts';
import { memoryStore } from './memory-store.ts';
import type { AnySessionStore } from './store.ts';
import { cookiePair, OLD_SECRET, read, SECRET, START, setup, write } from './test-harness.ts';

describe('createSessionManager()', () => {
  it('refuses secrets shorter than 32 bytes and says what to change', () => {
    expect(() => createSessionManager({ store: memoryStore({ warn: false }), secret: 'short' })).toThrow(
      /at least 32/,
    );
    expect(() => createSessionManager({ store: memoryStore({ warn: false }), secret: [] })).toThrow(
      SessionError,
    );
  });

  it('refuses a __Host- cookie without Secure, Path=/ and no Domain', () => {
    const store = memoryStore({ warn: false });
    expect(() =>
      createSessionManager({ store, secret: SECRET, cookie: { name: '__Host-s', secure: false } }),
    ).toThrow(/__Host-/);
    expect(() =>
      createSessionManager({ store, secret: SECRET, cookie: { name: '__Host-s', path: '/app' } }),
    ).toThrow();
    expect(() =>
      createSessionManager({ store, secret: SECRET, cookie: { name: '__Host-s', domain: 'example.com' } }),
    ).toThrow();
  });

  it('refuses SameSite=None and Partitioned without Secure, and a cookie outliving the absolute timeout', () => {
    const store = memoryStore({ warn: false });
    expect(() =>
      createSessionManager({ store, secret: SECRET, cookie: { sameSite: 'none', secure: false } }),
    ).toThrow(/sameSite/);
    expect(() =>
      createSessionManager({ store, secret: SECRET, cookie: { partitioned: true, secure: false } }),
    ).toThrow(/partitioned/);
    expect(() =>
      createSessionManager({
        store,
        secret: SECRET,
        absoluteTimeout: 3600,
        idleTimeout: 60,
        cookie: { maxAge: 7200 },
      }),
    ).toThrow(/outlives/);
  });

  it('refuses attribute values that could inject into Set-Cookie', () => {
    const store = memoryStore({ warn: false });
    for (const cookie of [
      { name: 'sid;x=1' },
      { path: '/;Domain=evil.com' },
      { path: '/\r\nSet-Cookie: a=b' },
      { domain: 'example.com;Secure' },
      { domain: 'exa\nmple.com' },
    ]) {
      expect(() => createSessionManager({ store, secret: SECRET, cookie })).toThrow(
        /@cloakroom\/session-core/,
      );
    }
  });

  it('names the cookie __Host-session when Secure with no Domain, else session', () => {
    const store = memoryStore({ warn: false });
    expect(createSessionManager({ store, secret: SECRET }).cookieName).toBe('__Host-session');
    expect(createSessionManager({ store, secret: SECRET, cookie: { secure: false } }).cookieName).toBe(
      'session',
    );
    expect(
      createSessionManager({ store, secret: SECRET, cookie: { domain: 'example.com' } }).cookieName,
    ).toBe('session');
  });
});

describe('lazy sessions', () => {
  it('a request that never uses its session costs no store call and sets no cookie', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => s.set('a', 1));
    const before = h.total();
    const handle = h.manager.open({ cookie, secure: true });
    const result = await handle.commit({ status: 200 });
    expect(h.total()).toBe(before);
    expect(result.setCookie).toBeNull();
    expect(result.headers).toEqual([]);
  });

  it('an untouched new session sets no cookie and writes nothing, even when read', async () => {
    const h = setup();
    for (let i = 0; i < 1000; i++) {
      const handle = h.manager.open({ cookie: null });
      expect(await handle.session.get('x')).toBeUndefined();
      expect((await handle.commit({ status: 200 })).setCookie).toBeNull();
    }
    expect(h.total()).toBe(0);
    expect(h.memory.size).toBe(0);
  });

  it('delete(), clear() or regenerate() on a request without a session write nothing and set no cookie', async () => {
    const h = setup();
    for (let i = 0; i < 100; i++) {
      const handle = h.manager.open({ cookie: null });
      handle.session.delete('a');
      handle.session.clear();
      handle.session.regenerate();
      expect((await handle.commit({ status: 200 })).setCookie).toBeNull();
    }
    expect(h.memory.size).toBe(0);
    expect(h.calls.create ?? 0).toBe(0);
  });

  it('concurrent reads in one request share one store load', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => s.set('a', 1));
    h.calls.get = 0;
    const handle = h.manager.open({ cookie, secure: true });
    await Promise.all([
      handle.session.get('a'),
      handle.session.get('b'),
      handle.session.has('a'),
      handle.session.all(),
    ]);
    expect(h.calls.get).toBe(1);
  });
});

describe('cookies', () => {
  it('a write sets a cookie with the configured attributes and caching headers; the next request reads it', async () => {
    const h = setup({ cookie: { name: 'sid', path: '/app', domain: 'example.com', sameSite: 'strict' } });
    const { setCookie, cookie, headers } = await write(h.manager, null, (s) => s.set('cart', ['apple']));
    expect(setCookie).toMatch(/^sid=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; /);
    expect(setCookie).toContain('Path=/app');
    expect(setCookie).toContain('Domain=example.com');
    expect(setCookie).toContain('Max-Age=3600');
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('Secure');
    expect(setCookie).toContain('SameSite=Strict');
    expect(headers).toContainEqual(['Cache-Control', 'private, no-store']);
    expect(headers).toContainEqual(['Vary', 'Cookie']);
    expect((await read(h.manager, cookie, 'cart')).value).toEqual(['apple']);
  });

  it('browser-session cookies carry no Max-Age; secure "auto" follows the request', async () => {
    const h = setup({ cookie: { maxAge: 'session', secure: 'auto' } });
    const plain = h.manager.open({ cookie: null, secure: false });
    plain.session.set('a', 1);
    const insecure = (await plain.commit()).setCookie!;
    expect(insecure).not.toContain('Max-Age');
    expect(insecure).not.toContain('Secure');
    const tls = h.manager.open({ cookie: null, secure: true });
    tls.session.set('a', 1);
    expect((await tls.commit()).setCookie).toContain('Secure');
  });

  it('treats forged, unsigned, truncated, padded, malformed and wrong-secret cookies as no session, never asking the store', async () => {
    const h = setup({ cookie: { name: 'sid' } });
    const { cookie } = await write(h.manager, null, (s) => s.set('a', 1));
    const value = cookie!.slice('sid='.length);
    const [id, signature] = value.split('.') as [string, string];
    const other = setup({ cookie: { name: 'sid' }, secret: 'another-secret-that-is-long-enough-003' });
    const foreign = (await write(other.manager, null, (s) => s.set('a', 1))).cookie!;
    const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
    const bad = [
      `sid=${id}`,
      `sid=${id}.`,
      `sid=${value.slice(0, -1)}`,
      `sid=${value}=`,
      `sid=${value}A`,
      `sid= ${id}.${flipped}`,
      `sid=${id}.${flipped}`,
      `sid=${'A'.repeat(43)}.${signature}`,
      `sid=${encodeURIComponent(value)}%00`,
      `sid=${value.replace(/./, '%41')}`,
      foreign,
      'sid=',
      `%73id=${value}`,
      `SID=${value}`,
    ];
    h.calls.get = 0;
    for (const header of bad) {
      const handle = h.manager.open({ cookie: header, secure: true });
      expect(await handle.session.exists()).toBe(false);
      expect(await handle.session.get('a')).toBeUndefined();
    }
    expect(h.calls.get).toBe(0);
  });

  it('ignores cookies of other names and picks the one that verifies among duplicates', async () => {
    const h = setup({ cookie: { name: 'sid' } });
    const { cookie } = await write(h.manager, null, (s) => s.set('a', 1));
    expect((await read(h.manager, `x=1; sid=garbage; ${cookie}; y=2`, 'a')).value).toBe(1);
    expect((await read(h.manager, `${cookie}; ${cookie}`, 'a')).value).toBe(1);
  });

  it('when two cookies of our name verify to different ids (cookie tossing), the request has no session', async () => {
    const h = setup({ cookie: { name: 'sid' } });
    const first = (await write(h.manager, null, (s) => s.set('who', 'victim'))).cookie!;
    const second = (await write(h.manager, null, (s) => s.set('who', 'attacker'))).cookie!;
    expect((await read(h.manager, `${second}; ${first}`, 'who')).value).toBeUndefined();
    expect(h.errors.map((e) => e.code)).toContain('SESSION_COOKIE_TOSSING');
  });

  it('accepts a cookie signed with an older listed secret and re-issues it under the current one', async () => {
    const clock = { now: START };
    const store = memoryStore({ warn: false, now: () => clock.now });
    const common = {
      store,
      idleTimeout: 3600,
      absoluteTimeout: 86_400,
      now: () => clock.now,
      cookie: { name: 'sid' },
    };
    const before = createSessionManager({ ...common, secret: OLD_SECRET });
    const rotated = createSessionManager({ ...common, secret: [SECRET, OLD_SECRET] });
    const retired = createSessionManager({ ...common, secret: SECRET });
    const oldCookie = (await write(before, null, (s) => s.set('a', 1))).cookie!;
    expect((await read(retired, oldCookie, 'a')).value).toBeUndefined();
    const reissued = await read(rotated, oldCookie, 'a');
    expect(reissued.value).toBe(1);
    expect(reissued.setCookie).not.toBeNull();
    const newCookie = cookiePair(reissued.setCookie);
    expect(newCookie.split('.')[0]).toBe(oldCookie.split('.')[0]);
    expect(newCookie).not.toBe(oldCookie);
    expect((await read(retired, newCookie, 'a')).value).toBe(1);
  });

  it('Web Crypto and node:crypto providers sign and verify alike', async () => {
    const clock = { now: START };
    const store = memoryStore({ warn: false, now: () => clock.now });
    const web = createSessionManager({
      store,
      secret: SECRET,
      now: () => clock.now,
      crypto: webCryptoProvider,
    });
    const node = createSessionManager({
      store,
      secret: SECRET,
      now: () => clock.now,
      crypto: nodeCryptoProvider,
    });
    const fromWeb = (await write(web, null, (s) => s.set('a', 'web'))).cookie!;
    const fromNode = (await write(node, null, (s) => s.set('a', 'node'))).cookie!;
    expect((await read(node, fromWeb, 'a')).value).toBe('web');
    expect((await read(web, fromNode, 'a')).value).toBe('node');
    const key = new Uint8Array(32).fill(7);
    const [wk, nk] = [
      await webCryptoProvider.deriveKey(key, 'p'),
      await nodeCryptoProvider.deriveKey(key, 'p'),
    ];
    expect(await webCryptoProvider.sign(wk, 'message')).toBe(await nodeCryptoProvider.sign(nk, 'message'));
    expect(await webCryptoProvider.sha256('id')).toBe(await nodeCryptoProvider.sha256('id'));
  });
});

describe('ids and storage', () => {
  it('ids are 256-bit, unique, and stored only under their SHA-256 hash', async () => {
    const h = setup({ cookie: { name: 'sid' } });
    const ids = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const cookie = (await write(h.manager, null, (s) => s.set('i', i))).cookie!;
      const id = cookie.slice(4).split('.')[0]!;
      expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
      ids.add(id);
      expect(await h.memory.get(id)).toBeNull();
      expect(await h.memory.get(await nodeCryptoProvider.sha256(id))).not.toBeNull();
    }
    expect(ids.size).toBe(50);
  });

  it('decoded data is plain: __proto__, constructor and save stay data', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => {
      s.set('__proto__', { polluted: true });
      s.set('constructor', 'x');
      s.set('save', 'y');
    });
    const handle = h.manager.open({ cookie, secure: true });
    expect(await handle.session.get('__proto__')).toEqual({ polluted: true });
    expect(await handle.session.get('save')).toBe('y');
    expect(typeof handle.session.save).toBe('function');
    const all = await handle.session.all();
    expect(Object.getPrototypeOf(all)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a corrupt record is treated as absent, reported, and a fresh session starts', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => s.set('a', 1));
    const id = cookie!.split('=')[1]!.split('.')[0]!;
    const key = await nodeCryptoProvider.sha256(id);
    for (const data of [
      '{"v":1,"c":',
      '\u0000\u00ff garbage',
      '{"v":2,"c":1,"d":{}}',
      '{"v":1,"c":"x","d":{}}',
      '[]',
    ]) {
      const now = h.clock.now;
      await h.memory.set(key, {
        data,
        expiresAt: now + 60_000,
        absoluteExpiresAt: now + 60_000,
        userId: null,
      });
      const result = await write(h.manager, cookie, async (s) => {
        expect(await s.get('a')).toBeUndefined();
        s.set('b', 2);
      });
      expect(result.setCookie).not.toBeNull();
      expect(result.cookie).not.toBe(cookie);
    }
    expect(h.errors.filter((e) => e.code === 'SESSION_CORRUPT_RECORD')).toHaveLength(5);
  });

  it('refuses a payload over maxPayloadBytes with a clear error', async () => {
    const h = setup({ maxPayloadBytes: 1024 });
    const handle = h.manager.open({ cookie: null });
    handle.session.set('big', 'x'.repeat(2000));
    await expect(handle.commit()).rejects.toMatchObject({ code: 'SESSION_PAYLOAD_TOO_LARGE' });
  });
});

describe('saving', () => {
  it('writes only when data changed; a 5xx response writes nothing', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => s.set('a', 1));
    const writes = () => (h.calls.set ?? 0) + (h.calls.compareAndSet ?? 0) + (h.calls.create ?? 0);
    const before = writes();
    await read(h.manager, cookie, 'a');
    expect(writes()).toBe(before);
    const failing = h.manager.open({ cookie, secure: true });
    failing.session.set('a', 2);
    expect((await failing.commit({ status: 500 })).setCookie).toBeNull();
    expect(writes()).toBe(before);
    expect((await read(h.manager, cookie, 'a')).value).toBe(1);
  });

  it('a write of an existing session costs at most two round trips, a new one one', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => s.set('a', 1));
    expect(h.total()).toBe(1);
    const before = h.total();
    await write(h.manager, cookie, (s) => s.set('a', 2));
    expect(h.total() - before).toBe(2);
  });

  it('save() commits early; the later commit returns the same cookie and writes nothing more', async () => {
    const h = setup();
    const handle = h.manager.open({ cookie: null });
    handle.session.set('a', 1);
    await handle.session.save();
    const calls = h.total();
    const result = await handle.commit({ status: 200 });
    expect(result.setCookie).not.toBeNull();
    expect(h.total()).toBe(calls);
    expect((await read(h.manager, cookiePair(result.setCookie), 'a')).value).toBe(1);
  });
});

describe('expiry', () => {
  it('an idle session expires after idleTimeout without activity, and is deleted', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => s.set('a', 1));
    h.clock.now += 3599_000;
    expect((await read(h.manager, cookie, 'a')).value).toBe(1);
    h.clock.now += 3601_000;
    expect((await read(h.manager, cookie, 'a')).value).toBeUndefined();
    expect(h.memory.size).toBe(0);
  });

  it('the absolute timeout ends a session however active it is', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => s.set('a', 1));
    let current = cookie;
    for (let elapsed = 0; elapsed < 86_400; elapsed += 1800) {
      const r = await write(h.manager, current, async (s) => {
        s.set('a', ((await s.get('a')) as number) + 1);
      });
      current = r.cookie;
      h.clock.now += 1800_000;
    }
    expect((await read(h.manager, current, 'a')).value).toBeUndefined();
  });

  it('sliding expiry: a read touches the store and refreshes the cookie at most once per touch interval', async () => {
    const h = setup({ touchInterval: 600 });
    const { cookie } = await write(h.manager, null, (s) => s.set('a', 1));
    h.calls.touch = 0;
    h.clock.now += 300_000;
    expect((await read(h.manager, cookie, 'a')).setCookie).toBeNull();
    expect(h.calls.touch).toBe(0);
    h.clock.now += 301_000;
    const touched = await read(h.manager, cookie, 'a');
    expect(touched.setCookie).toContain('Max-Age=3600');
    expect(h.calls.touch).toBe(1);
    expect(h.calls.set ?? 0).toBe(0);
    h.clock.now += 60_000;
    await read(h.manager, cookie, 'a');
    expect(h.calls.touch).toBe(1);
    // The touch moved the idle deadline: 3600 s after the touch it is still alive.
    h.clock.now += 3500_000;
    expect((await read(h.manager, cookie, 'a')).value).toBe(1);
  });

  it('the cookie Max-Age never outlives the absolute timeout', async () => {
    const h = setup({ idleTimeout: 3600, absoluteTimeout: 4000, touchInterval: 60 });
    const { cookie } = await write(h.manager, null, (s) => s.set('a', 1));
    h.clock.now += 3000_000;
    expect((await read(h.manager, cookie, 'a')).setCookie).toContain('Max-Age=1000');
  });
});

describe('session.regenerate()', () => {
  it('issues a new id with the same data; the old cookie stops working at once', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => s.set('cart', ['a']));
    const after = await write(h.manager, cookie, (s) => {
      s.regenerate();
      s.setUser('alice');
    });
    expect(after.cookie).not.toBe(cookie);
    expect((await read(h.manager, after.cookie, 'cart')).value).toEqual(['a']);
    expect((await read(h.manager, cookie, 'cart')).value).toBeUndefined();
    expect(h.memory.size).toBe(1);
  });
});

describe('session.destroy()', () => {
  it('deletes the record and expires the cookie with the same name, domain and path', async () => {
    const h = setup({ cookie: { name: 'sid', domain: 'example.com', path: '/app' } });
    const { cookie } = await write(h.manager, null, (s) => s.set('a', 1));
    const result = await write(h.manager, cookie, (s) => s.destroy());
    expect(result.setCookie).toMatch(/^sid=; /);
    expect(result.setCookie).toContain('Max-Age=0');
    expect(result.setCookie).toContain('Domain=example.com');
    expect(result.setCookie).toContain('Path=/app');
    expect(h.memory.size).toBe(0);
    expect((await read(h.manager, cookie, 'a')).value).toBeUndefined();
  });

  it('a slow request that loaded before the destroy cannot bring the session back', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => s.set('a', 1));
    const slow = h.manager.open({ cookie, secure: true });
    expect(await slow.session.get('a')).toBe(1);
    await write(h.manager, cookie, (s) => s.destroy());
    slow.session.set('a', 2);
    await slow.commit({ status: 200 });
    expect(h.memory.size).toBe(0);
    expect(h.errors.map((e) => e.code)).toContain('SESSION_WRITE_DROPPED');
    expect((await read(h.manager, cookie, 'a')).value).toBeUndefined();
  });

  it('writes after destroy in the same request start a new session under a new id', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => s.set('a', 1));
    const result = await write(h.manager, cookie, (s) => {
      s.destroy();
      s.flash('notice', 'bye');
    });
    expect(result.cookie).not.toBe(cookie);
    const next = h.manager.open({ cookie: result.cookie, secure: true });
    expect(await next.session.consumeFlash('notice')).toEqual(['bye']);
    expect(await next.session.get('a')).toBeUndefined();
  });
});

describe('session.state', () => {
  it('is decided by core: unmodified, modified, destroyed, and unmodified again once committed', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => s.set('a', 1));
    const handle = h.manager.open({ cookie, secure: true });
    expect(handle.session.state).toBe('unmodified');
    handle.session.set('b', 2);
    expect(handle.session.state).toBe('modified');
    handle.session.destroy();
    expect(handle.session.state).toBe('destroyed');
    await handle.commit({ status: 200 });
    expect(handle.session.state).toBe('unmodified');
  });

  it('a 5xx commit saves nothing and leaves nothing pending', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => s.set('a', 1));
    const handle = h.manager.open({ cookie, secure: true });
    await handle.session.get('a');
    handle.session.set('a', 2);
    handle.session.destroy();
    await handle.commit({ status: 503 });
    expect(handle.session.state).toBe('unmodified');
    await handle.commit({ status: 200 });
    expect((await read(h.manager, cookie, 'a')).value).toBe(1);
  });

  it('save() after the response head refuses a change that needs a cookie', async () => {
    const h = setup();
    const handle = h.manager.open({ cookie: null, headersSent: () => true });
    handle.session.set('a', 1);
    await expect(handle.session.save()).rejects.toMatchObject({ code: 'SESSION_COOKIE_READONLY' });
    expect(h.memory.size).toBe(0);
  });
});

describe('session.flash()', () => {
  it('values are read once', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => s.flash('msg', 'Welcome'));
    const first = h.manager.open({ cookie, secure: true });
    expect(await first.session.consumeFlash('msg')).toEqual(['Welcome']);
    await first.commit({ status: 200 });
    const second = h.manager.open({ cookie, secure: true });
    expect(await second.session.consumeFlash('msg')).toEqual([]);
  });
});

describe('concurrency', () => {
  it('50 parallel update() increments in one process all count', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => s.set('n', 0));
    await Promise.all(
      Array.from({ length: 50 }, () =>
        write(h.manager, cookie, async (s) => {
          await s.update('n', (n) => ((n as number) ?? 0) + 1);
        }),
      ),
    );
    expect((await read(h.manager, cookie, 'n')).value).toBe(50);
  });

  it('a compare-and-set conflict re-reads and re-applies only this request’s changes', async () => {
    const h = setup();
    const other = createSessionManager({ store: h.memory, secret: SECRET, now: () => h.clock.now });
    const { cookie } = await write(h.manager, null, (s) => s.set('n', 0));
    const first = h.manager.open({ cookie, secure: true });
    const second = other.open({ cookie, secure: true });
    await first.session.update('n', (n) => (n as number) + 1);
    first.session.set('x', 'from first');
    await second.session.update('n', (n) => (n as number) + 10);
    second.session.set('y', 'from second');
    await first.commit({ status: 200 });
    await second.commit({ status: 200 });
    // `second` is in another "process": its stale version conflicts, so it re-reads once and re-applies.
    expect(await h.manager.open({ cookie, secure: true }).session.all()).toEqual({
      n: 11,
      x: 'from first',
      y: 'from second',
    });
  });

  it('commits racing inside one process are coalesced, never conflicting with each other', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => s.set('n', 0));
    const handles = Array.from({ length: 10 }, () => h.manager.open({ cookie, secure: true }));
    for (const [i, handle] of handles.entries()) {
      await handle.session.exists();
      handle.session.set(`k${i}`, i);
    }
    h.calls.get = 0;
    h.calls.compareAndSet = 0;
    await Promise.all(handles.map((handle) => handle.commit({ status: 200 })));
    expect(h.calls.get).toBe(0);
    // Queued commits are written together: fewer writes than requests, and no conflict re-reads.
    expect(h.calls.compareAndSet).toBeLessThan(10);
    expect(h.calls.compareAndSet).toBeGreaterThan(0);
    const all = await h.manager.open({ cookie, secure: true }).session.all();
    expect(all).toEqual(Object.fromEntries([['n', 0], ...handles.map((_, i) => [`k${i}`, i])]));
  });

  it('one request’s failing change in a coalesced batch does not fail the others', async () => {
    const h = setup({ maxPayloadBytes: 2048 });
    const { cookie } = await write(h.manager, null, (s) => s.set('n', 0));
    const good = Array.from({ length: 4 }, () => h.manager.open({ cookie, secure: true }));
    const bad = h.manager.open({ cookie, secure: true });
    for (const handle of [...good, bad]) await handle.session.get('n');
    for (const [i, handle] of good.entries()) handle.session.set(`k${i}`, i);
    bad.session.set('huge', 'x'.repeat(4096));
    const results = await Promise.allSettled([...good, bad].map((handle) => handle.commit({ status: 200 })));
    expect(results.slice(0, 4).every((r) => r.status === 'fulfilled')).toBe(true);
    expect(results[4]).toMatchObject({ status: 'rejected', reason: { code: 'SESSION_PAYLOAD_TOO_LARGE' } });
    expect(await h.manager.open({ cookie, secure: true }).session.all()).toEqual({
      n: 0,
      k0: 0,
      k1: 1,
      k2: 2,
      k3: 3,
    });
  });

  it('two processes sharing a store: parallel increments and different keys all survive (compare-and-set)', async () => {
    const clock = { now: START };
    const store = memoryStore({ warn: false, now: () => clock.now });
    const options = { store, secret: SECRET, now: () => clock.now };
    const a = createSessionManager(options);
    const b = createSessionManager(options);
    const { cookie } = await write(a, null, (s) => s.set('n', 0));
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        write(i % 2 ? a : b, cookie, async (s) => {
          await s.update('n', (n) => ((n as number) ?? 0) + 1);
          s.set(`k${i}`, i);
        }),
      ),
    );
    const all = (await a.open({ cookie, secure: true }).session.all()) as Record<string, number>;
    expect(all.n).toBe(40);
    for (let i = 0; i < 40; i++) expect(all[`k${i}`]).toBe(i);
  });
});

describe('users', () => {
  it('lists a user’s sessions and revokes all but the current one', async () => {
    const h = setup();
    const cookies: string[] = [];
    for (let i = 0; i < 3; i++) {
      h.clock.now += 1000;
      cookies.push((await write(h.manager, null, (s) => s.setUser('alice'))).cookie!);
    }
    await write(h.manager, null, (s) => s.setUser('bob'));
    const mine = h.manager.open({ cookie: cookies[1]!, secure: true });
    const list = await mine.session.listSessions();
    expect(list).toHaveLength(3);
    expect(list.filter((s) => s.current)).toHaveLength(1);
    expect(list[1]!.current).toBe(true);
    expect(await mine.session.revokeOtherSessions()).toBe(2);
    expect((await h.manager.listUserSessions('alice')).length).toBe(1);
    expect(await h.manager.open({ cookie: cookies[0]!, secure: true }).session.exists()).toBe(false);
    expect(await h.manager.destroyUserSessions('bob')).toBe(1);
  });

  it('caps sessions per user, evicting the oldest', async () => {
    const h = setup({ maxSessionsPerUser: 2 });
    const cookies: string[] = [];
    for (let i = 0; i < 3; i++) {
      h.clock.now += 1000;
      cookies.push((await write(h.manager, null, (s) => s.setUser('alice'))).cookie!);
    }
    expect((await h.manager.listUserSessions('alice')).length).toBe(2);
    expect(await h.manager.open({ cookie: cookies[0]!, secure: true }).session.exists()).toBe(false);
  });
});

describe('CSRF', () => {
  it('a per-session token is created once and verified in constant time', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => s.set('signed', 'in'));
    const handle = h.manager.open({ cookie, secure: true });
    const token = await handle.session.csrfToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await handle.commit();
    const next = h.manager.open({ cookie, secure: true });
    expect(await next.session.csrfToken()).toBe(token);
    expect(await next.session.verifyCsrfToken(token)).toBe(true);
    expect(await next.session.verifyCsrfToken(`${token.slice(0, -1)}x`)).toBe(false);
    expect(await next.session.verifyCsrfToken(undefined)).toBe(false);
  });
});

describe('errors', () => {
  it('a failing store surfaces as SessionStoreError with status 503 and a redacted cause', async () => {
    const memory = memoryStore({ warn: false });
    const broken: AnySessionStore = {
      ...memory,
      get: async () => {
        const error = Object.assign(new Error('connect ECONNREFUSED redis://user:hunter2@10.0.0.1'), {
          code: 'ECONNREFUSED',
          command: { name: 'get', args: ['secret-key'] },
          sql: "select * from t where payload = 'card 4111'",
        });
        throw error;
      },
      create: memory.create.bind(memory),
      set: memory.set.bind(memory),
      touch: memory.touch.bind(memory),
      delete: memory.delete.bind(memory),
    };
    const manager = createSessionManager({ store: broken, secret: SECRET, onError: () => {} });
    const good = createSessionManager({ store: memory, secret: SECRET });
    const { cookie } = await write(good, null, (s) => s.set('a', 1));
    const handle = manager.open({ cookie, secure: true });
    const error = await handle.session.get('a').then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SessionStoreError);
    const storeError = error as SessionStoreError;
    expect(storeError.status).toBe(503);
    expect(storeError.expose).toBe(false);
    const cause = storeError.cause as Record<string, unknown>;
    expect(cause.code).toBe('ECONNREFUSED');
    expect(cause.command).toBeUndefined();
    expect(cause.sql).toBeUndefined();
    expect(JSON.stringify({ m: storeError.message, c: String(cause.message), s: cause.stack })).not.toMatch(
      /hunter2|4111|secret-key/,
    );
  });
});

describe('mapSessionErrors()', () => {
  it('routes a failing read through the mapper and leaves writes alone', async () => {
    const memory = memoryStore({ warn: false });
    const broken: AnySessionStore = {
      get: async () => {
        throw new Error('down');
      },
      create: (key, w) => memory.create(key, w),
      set: (key, w) => memory.set(key, w),
      touch: (key, e) => memory.touch(key, e),
      delete: (key) => memory.delete(key),
    };
    const good = createSessionManager({ store: memory, secret: SECRET });
    const { cookie } = await write(good, null, (s) => s.set('a', 1));
    const handle = createSessionManager({ store: broken, secret: SECRET }).open({ cookie, secure: true });
    const mapped = mapSessionErrors(
      handle.session,
      (error) => new Error(`mapped: ${(error as SessionError).code}`),
    );
    await expect(mapped.get('a')).rejects.toThrow('mapped: SESSION_STORE');
    mapped.set('b', 2);
    expect(mapped.state).toBe('modified');
  });
});
