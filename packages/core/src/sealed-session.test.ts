import { describe, expect, it } from 'vitest';
import { webCryptoProvider } from './crypto.ts';
import { nodeCryptoProvider } from './crypto-node.ts';
import { SessionError } from './errors.ts';
import { createSessionManager } from './factory.ts';
import { type MemoryStore, memoryStore } from './memory-store.ts';
import { sealedCookies } from './sealed-session.ts';
import type { Session, SessionLifetimeControl, SessionManagerOptions } from './session.ts';
import { cookiePair, counted, read, START, storeOver, write } from './test-harness.ts';

const SECRET = 'a-sealed-session-secret-that-is-long-enough-1';
const OLD_SECRET = 'an-older-sealed-session-secret-long-enough-2';
const NAME = '__Host-session';

interface Sealed {
  manager: ReturnType<typeof createSessionManager>;
  clock: { now: number };
  errors: SessionError[];
  revocation: MemoryStore | null;
  revocationCalls: Record<string, number>;
}

function sealed(options: Partial<SessionManagerOptions> & { revocation?: boolean } = {}): Sealed {
  const clock = { now: START };
  const errors: SessionError[] = [];
  const revocation = options.revocation ? memoryStore({ warn: false, now: () => clock.now }) : null;
  const counter = revocation ? counted(revocation) : null;
  const { revocation: _, ...rest } = options;
  const manager = createSessionManager({
    store: sealedCookies(counter ? { revocation: counter.store } : {}),
    secret: SECRET,
    idleTimeout: 3600,
    absoluteTimeout: 86_400,
    touchInterval: 360,
    now: () => clock.now,
    onError: (error) => errors.push(error),
    ...rest,
  });
  return { manager, clock, errors, revocation, revocationCalls: counter?.calls ?? {} };
}

async function signIn(s: Sealed, user: string): Promise<string> {
  const { cookie } = await write(s.manager, null, (session) => {
    session.set('device', user);
    session.setUser(user);
    session.regenerate();
  });
  return cookie!;
}

describe('sealedCookies(): the session rides in the cookie', () => {
  it('a write sets a sealed cookie; a read opens it with no store at all', async () => {
    const s = sealed();
    const first = await write(s.manager, null, (session) => session.set('cart', ['apple']));
    expect(first.setCookie).toMatch(new RegExp(`^${NAME}=c1\\.[A-Za-z0-9_-]+; Max-Age=3600;`));
    expect(first.headers).toContainEqual(['Cache-Control', 'private, no-store']);
    expect(await read(s.manager, first.cookie, 'cart')).toEqual({ value: ['apple'], setCookie: null });
    // The cookie holds no readable data: it is encrypted, not only signed.
    expect(first.cookie).not.toContain('apple');
    expect(Buffer.from(first.cookie!.split('.')[1]!, 'base64url').toString('latin1')).not.toContain('apple');
  });

  it('every write re-seals the cookie; reads and untouched requests send none', async () => {
    const s = sealed();
    const a = await write(s.manager, null, (session) => session.set('n', 1));
    const b = await write(s.manager, a.cookie, (session) => session.set('n', 2));
    expect(b.setCookie).not.toBeNull();
    expect(b.cookie).not.toBe(a.cookie);
    expect(await read(s.manager, b.cookie, 'n')).toEqual({ value: 2, setCookie: null });
    const idle = s.manager.open({ cookie: b.cookie });
    expect(idle.idle).toBe(true);
    expect((await idle.commit({ status: 200 })).setCookie).toBeNull();
  });

  it('a response that cannot carry a cookie: a change is refused (SESSION_COOKIE_READONLY), an empty one is not', async () => {
    const s = sealed();
    const { cookie } = await write(s.manager, null, (session) => session.set('v', 1));
    const readOnly = s.manager.open({ cookie, secure: true });
    readOnly.session.set('v', 2);
    await expect(readOnly.commit({ status: 200, cookies: false })).rejects.toMatchObject({
      code: 'SESSION_COOKIE_READONLY',
    });
    const nothing = s.manager.open({ cookie: null, secure: true });
    nothing.session.delete('v');
    expect((await nothing.commit({ status: 200, cookies: false })).setCookie).toBeNull();
  });

  it('an untouched new session sets no cookie, and neither does a 5xx', async () => {
    const s = sealed();
    expect((await write(s.manager, null, () => undefined)).setCookie).toBeNull();
    const handle = s.manager.open({ cookie: null, secure: true });
    handle.session.set('x', 1);
    expect((await handle.commit({ status: 500 })).setCookie).toBeNull();
  });

  it('keeps data, user, flash, CSRF token and logId across requests', async () => {
    const s = sealed();
    let token = '';
    const a = await write(s.manager, null, async (session) => {
      session.set('k', { deep: [1, 2] });
      session.setUser('alice');
      session.flash('notice', 'Saved');
      token = await session.csrfToken();
    });
    const handle = s.manager.open({ cookie: a.cookie, secure: true });
    expect(await handle.session.get('k')).toEqual({ deep: [1, 2] });
    expect(await handle.session.getUser()).toBe('alice');
    expect(await handle.session.verifyCsrfToken(token)).toBe(true);
    expect(await handle.session.consumeFlash('notice')).toEqual(['Saved']);
    expect(await handle.session.logId()).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect((await handle.session.createdAt())?.getTime()).toBe(START);
    const b = await handle.commit({ status: 200 });
    // The flash was read: the next cookie no longer holds it.
    const after = s.manager.open({ cookie: cookiePair(b.setCookie), secure: true });
    expect(await after.session.consumeFlash('notice')).toEqual([]);
  });

  it('works the same on the Web Crypto provider', async () => {
    const s = sealed({ crypto: webCryptoProvider });
    const a = await write(s.manager, null, (session) => session.set('v', 'web'));
    expect((await read(s.manager, a.cookie, 'v')).value).toBe('web');
    const node = sealed({ crypto: nodeCryptoProvider });
    expect((await read(node.manager, a.cookie, 'v')).value).toBe('web');
  });
});

describe('sealed cookies the server did not issue', () => {
  it('a tampered cookie (every position) means no session', async () => {
    const s = sealed();
    const { cookie } = await write(s.manager, null, (session) => session.set('role', 'user'));
    const value = cookie!.slice(NAME.length + 1);
    for (let index = 0; index < value.length; index += 7) {
      const char = value[index] === 'A' ? 'B' : 'A';
      const forged = `${NAME}=${value.slice(0, index)}${char}${value.slice(index + 1)}`;
      expect((await read(s.manager, forged, 'role')).value, `position ${index}`).toBeUndefined();
    }
  });

  it('a truncated cookie means no session', async () => {
    const s = sealed();
    const { cookie } = await write(s.manager, null, (session) => session.set('role', 'user'));
    expect((await read(s.manager, cookie!.slice(0, -1), 'role')).value).toBeUndefined();
    expect((await read(s.manager, cookie!.slice(0, 60), 'role')).value).toBeUndefined();
  });

  it('a cookie sealed for another cookie name does not open under this one', async () => {
    const other = sealed({ cookie: { name: 'other' } });
    const { cookie } = await write(other.manager, null, (session) => session.set('role', 'admin'));
    const renamed = `${NAME}=${cookie!.slice('other='.length)}`;
    expect((await read(sealed().manager, renamed, 'role')).value).toBeUndefined();
  });

  it('a signed store-mode cookie is no sealed session, and a sealed cookie is no store session', async () => {
    const store = createSessionManager({
      store: memoryStore({ warn: false }),
      secret: SECRET,
      now: () => START,
    });
    const stored = await write(store, null, (session) => session.set('role', 'admin'));
    expect((await read(sealed().manager, stored.cookie, 'role')).value).toBeUndefined();
    const s = sealed();
    const sealedCookie = await write(s.manager, null, (session) => session.set('role', 'admin'));
    expect((await read(store, sealedCookie.cookie, 'role')).value).toBeUndefined();
  });

  it('two cookies of our name opening to different sessions: no session, reported as tossing', async () => {
    const s = sealed();
    const a = await write(s.manager, null, (session) => session.set('who', 'a'));
    const b = await write(s.manager, null, (session) => session.set('who', 'b'));
    expect((await read(s.manager, `${a.cookie}; ${b.cookie}`, 'who')).value).toBeUndefined();
    expect(s.errors.map((error) => error.code)).toContain('SESSION_COOKIE_TOSSING');
  });
});

describe('secret rotation', () => {
  it('a cookie under an older listed secret opens and is re-sealed under the first; once removed it is refused', async () => {
    const before = sealed({ secret: OLD_SECRET });
    const old = await write(before.manager, null, (session) => session.set('v', 'kept'));
    const rotated = sealed({ secret: [SECRET, OLD_SECRET] });
    const handle = rotated.manager.open({ cookie: old.cookie, secure: true });
    expect(await handle.session.get('v')).toBe('kept');
    const result = await handle.commit({ status: 200 });
    expect(result.setCookie).not.toBeNull();
    const resealed = cookiePair(result.setCookie);
    const after = sealed({ secret: SECRET });
    expect((await read(after.manager, resealed, 'v')).value).toBe('kept');
    expect((await read(after.manager, old.cookie, 'v')).value).toBeUndefined();
  });
});

describe('expiry from the sealed times', () => {
  it('idle: a cookie unused for idleTimeout is refused, whatever its Max-Age', async () => {
    const s = sealed();
    const { cookie } = await write(s.manager, null, (session) => session.set('v', 1));
    s.clock.now += 3600_000 - 1;
    expect((await read(s.manager, cookie, 'v')).value).toBe(1);
    s.clock.now += 1;
    expect((await read(s.manager, cookie, 'v')).value).toBeUndefined();
  });

  it('sliding: a read after touchInterval re-seals with a later idle expiry', async () => {
    const s = sealed();
    const { cookie } = await write(s.manager, null, (session) => session.set('v', 1));
    s.clock.now += 360_000;
    const touched = await read(s.manager, cookie, 'v');
    expect(touched.setCookie).not.toBeNull();
    s.clock.now += 3600_000 - 1;
    expect((await read(s.manager, cookiePair(touched.setCookie), 'v')).value).toBe(1);
    expect((await read(s.manager, cookie, 'v')).value).toBeUndefined();
  });

  it('absolute: never extended by activity or regenerate', async () => {
    const s = sealed();
    let { cookie } = await write(s.manager, null, (session) => session.set('v', 1));
    for (let hour = 1; hour < 24; hour++) {
      s.clock.now += 3600_000 - 1000;
      ({ cookie } = await write(s.manager, cookie, (session) => {
        session.set('v', hour);
        if (hour % 5 === 0) session.regenerate();
      }));
    }
    expect((await read(s.manager, cookie, 'v')).value).toBe(23);
    s.clock.now = START + 86_400_000;
    expect((await read(s.manager, cookie, 'v')).value).toBeUndefined();
  });
});

describe('session.setLifetime() in sealed mode', () => {
  it('a remember-me lifetime drives the sealed expiry and the cookie Max-Age, and survives regenerate', async () => {
    const s = sealed();
    const remembered = await write(s.manager, null, (session) => {
      session.set('v', 'kept');
      (session as Session & SessionLifetimeControl).setLifetime({
        idleTimeout: 30 * 86_400,
        absoluteTimeout: 45 * 86_400,
      });
      session.regenerate();
    });
    expect(remembered.setCookie).toMatch(/Max-Age=2592000;/);
    // Past the manager's idle (1 h) and absolute (1 day) timeouts, within its own.
    s.clock.now += 20 * 86_400_000;
    const read20 = await read(s.manager, remembered.cookie, 'v');
    expect(read20.value).toBe('kept');
    s.clock.now += 29 * 86_400_000;
    expect((await read(s.manager, cookiePair(read20.setCookie), 'v')).value).toBeUndefined();
  });
});

describe('the 4096-byte cookie limit', () => {
  async function sizedWrite(s: Sealed, pad: number): Promise<{ cookie: string | null; error: unknown }> {
    try {
      const result = await write(s.manager, null, (session) => session.set('p', 'x'.repeat(pad)));
      return { cookie: result.cookie, error: null };
    } catch (error) {
      return { cookie: null, error };
    }
  }

  it('name=value of exactly 4096 bytes is set and read back; one byte more fails with 413', async () => {
    const s = sealed();
    let pad = 2700;
    let last = await sizedWrite(s, pad);
    while (last.cookie !== null && last.cookie.length < 4096) last = await sizedWrite(s, ++pad);
    expect(last.cookie?.length).toBe(4096);
    expect((await read(s.manager, last.cookie, 'p')).value).toBe('x'.repeat(pad));
    const over = await sizedWrite(s, pad + 1);
    expect(over.error).toBeInstanceOf(SessionError);
    expect(over.error).toMatchObject({ code: 'SESSION_PAYLOAD_TOO_LARGE', status: 413 });
  });

  it('a refused write leaves the previous cookie as it was (nothing truncated, nothing sent)', async () => {
    const s = sealed();
    const first = await write(s.manager, null, (session) => session.set('small', 1));
    const handle = s.manager.open({ cookie: first.cookie, secure: true });
    handle.session.set('big', 'y'.repeat(5000));
    await expect(handle.commit({ status: 200 })).rejects.toMatchObject({ code: 'SESSION_PAYLOAD_TOO_LARGE' });
    expect((await read(s.manager, first.cookie, 'small')).value).toBe(1);
  });
});

describe('configuration', () => {
  it('refuses a secret published in this repository', () => {
    expect(() => sealed({ secret: 'cloakroom-demo-development-secret-do-not-deploy' })).toThrow(
      /published in the Cloakroom repository/,
    );
    expect(() => sealed({ secret: [SECRET, 'dev-only-secret-change-me-at-least-32-bytes'] })).toThrow(
      /options\.secret\[1\]/,
    );
  });

  it('refuses a codec (sealed cookies hold JSON)', () => {
    expect(() => sealed({ codec: { encode: () => '', decode: () => ({}) } })).toThrow(/codec/);
  });

  it('the mode keeps no records: its store methods reject with SESSION_USAGE if anything calls them', async () => {
    const mode = sealedCookies();
    await expect(mode.get('key')).rejects.toMatchObject({ code: 'SESSION_USAGE' });
    await expect(mode.touch('key', 0)).rejects.toMatchObject({ code: 'SESSION_USAGE' });
  });

  it('sealedCookies({ revocation }) takes a store', () => {
    expect(() => sealedCookies({ revocation: {} as never })).toThrow(/Cloakroom store/);
  });
});

describe('capabilities: what a cookie cannot keep is reported, not faked', () => {
  it('without a revocation store', () => {
    expect(sealed().manager.capabilities).toMatchObject({
      sealed: true,
      compareAndSet: false,
      userIndex: false,
      atomicUpdate: false,
      readOnceFlash: false,
      listUserSessions: false,
      revokeUserSessions: false,
      regenerateRevokesOld: false,
      destroyHolds: false,
    });
  });

  it('with a revocation store', () => {
    expect(sealed({ revocation: true }).manager.capabilities).toMatchObject({
      sealed: true,
      atomicUpdate: false,
      readOnceFlash: false,
      listUserSessions: false,
      revokeUserSessions: true,
      regenerateRevokesOld: true,
      destroyHolds: true,
      close: true,
    });
  });

  it('a store-backed manager keeps them all', () => {
    const manager = createSessionManager({ store: memoryStore({ warn: false }), secret: SECRET });
    expect(manager.capabilities).toMatchObject({
      sealed: false,
      atomicUpdate: true,
      readOnceFlash: true,
      listUserSessions: true,
      revokeUserSessions: true,
      regenerateRevokesOld: true,
      destroyHolds: true,
    });
  });

  it('listing is a typed SESSION_USAGE error; revoking too without a revocation store', async () => {
    const s = sealed();
    const cookie = await signIn(s, 'alice');
    const handle = s.manager.open({ cookie, secure: true });
    await expect(handle.session.listSessions()).rejects.toMatchObject({ code: 'SESSION_USAGE' });
    await expect(handle.session.revokeOtherSessions()).rejects.toMatchObject({ code: 'SESSION_USAGE' });
    await expect(s.manager.listUserSessions('alice')).rejects.toMatchObject({ code: 'SESSION_USAGE' });
    await expect(s.manager.destroyUserSessions('alice')).rejects.toMatchObject({ code: 'SESSION_USAGE' });
  });

  it('update() applies within the request: parallel requests from one cookie do not add up (atomicUpdate false)', async () => {
    const s = sealed();
    const { cookie } = await write(s.manager, null, (session) => session.set('n', 0));
    const answers = await Promise.all(
      [1, 2, 3].map(async () => {
        const handle = s.manager.open({ cookie, secure: true });
        const value = await handle.session.update('n', (n) => ((n as number) ?? 0) + 1);
        return { value, cookie: cookiePair((await handle.commit({ status: 200 })).setCookie) };
      }),
    );
    expect(answers.map((answer) => answer.value)).toEqual([1, 1, 1]);
    expect((await read(s.manager, answers[2]!.cookie, 'n')).value).toBe(1);
  });

  it('update() runs its function once and a 5xx drops it', async () => {
    const s = sealed();
    const { cookie } = await write(s.manager, null, (session) => session.set('n', 5));
    let runs = 0;
    const handle = s.manager.open({ cookie, secure: true });
    const increment = (n: unknown): number => {
      runs++;
      return (n as number) + 1;
    };
    expect(await handle.session.update('n', increment)).toBe(6);
    expect((await handle.commit({ status: 200 })).setCookie).not.toBeNull();
    expect(runs).toBe(1);
    const failed = s.manager.open({ cookie, secure: true });
    await failed.session.update('n', (n) => (n as number) + 1);
    expect((await failed.commit({ status: 503 })).setCookie).toBeNull();
  });

  it('without a revocation store, a destroyed or regenerated cookie replayed still opens (destroyHolds false)', async () => {
    const s = sealed();
    const cookie = await signIn(s, 'alice');
    const destroyed = await write(s.manager, cookie, (session) => session.destroy());
    expect(destroyed.setCookie).toMatch(/Max-Age=0/);
    expect((await read(s.manager, cookie, 'device')).value).toBe('alice');
  });
});

describe('the revocation store', () => {
  it('destroy-then-replay: the destroyed cookie no longer opens', async () => {
    const s = sealed({ revocation: true });
    const cookie = await signIn(s, 'alice');
    expect((await read(s.manager, cookie, 'device')).value).toBe('alice');
    await write(s.manager, cookie, (session) => session.destroy());
    expect((await read(s.manager, cookie, 'device')).value).toBeUndefined();
  });

  it('regenerate: the old id dies at once', async () => {
    const s = sealed({ revocation: true });
    const { cookie: anonymous } = await write(s.manager, null, (session) => session.set('cart', ['a']));
    const signedIn = await write(s.manager, anonymous, (session) => {
      session.setUser('alice');
      session.regenerate();
    });
    expect((await read(s.manager, signedIn.cookie, 'cart')).value).toEqual(['a']);
    expect((await read(s.manager, anonymous, 'cart')).value).toBeUndefined();
  });

  it('revokeOtherSessions(): sign out everywhere but here, and a later sign-in (same millisecond) lives', async () => {
    const s = sealed({ revocation: true });
    const laptop = await signIn(s, 'alice');
    const phone = await signIn(s, 'alice');
    const bob = await signIn(s, 'bob');
    const handle = s.manager.open({ cookie: laptop, secure: true });
    expect(await handle.session.revokeOtherSessions()).toBe(-1);
    await handle.commit({ status: 200 });
    expect((await read(s.manager, laptop, 'device')).value).toBe('alice');
    expect((await read(s.manager, phone, 'device')).value).toBeUndefined();
    expect((await read(s.manager, bob, 'device')).value).toBe('bob');
    const again = await signIn(s, 'alice');
    expect((await read(s.manager, again, 'device')).value).toBe('alice');
  });

  it('manager.destroyUserSessions(): every session of the user, none of another', async () => {
    const s = sealed({ revocation: true });
    const a = await signIn(s, 'alice');
    const b = await signIn(s, 'bob');
    expect(await s.manager.destroyUserSessions('alice')).toBe(-1);
    expect((await read(s.manager, a, 'device')).value).toBeUndefined();
    expect((await read(s.manager, b, 'device')).value).toBe('bob');
  });

  it('a write in flight while the session is destroyed is dropped, not brought back', async () => {
    const s = sealed({ revocation: true });
    const cookie = await signIn(s, 'alice');
    const slow = s.manager.open({ cookie, secure: true });
    expect(await slow.session.get('device')).toBe('alice');
    await write(s.manager, cookie, (session) => session.destroy());
    slow.session.set('late', true);
    const result = await slow.commit({ status: 200 });
    expect(result.setCookie).toMatch(/Max-Age=0/);
    expect(s.errors.map((error) => error.code)).toContain('SESSION_WRITE_DROPPED');
  });

  it('entries live until the absolute expiry, and reads cost one revocation round (two gets)', async () => {
    const s = sealed({ revocation: true });
    const cookie = await signIn(s, 'alice');
    await write(s.manager, cookie, (session) => session.destroy());
    for (const key of Object.keys(s.revocationCalls)) delete s.revocationCalls[key];
    await read(s.manager, cookie, 'device');
    expect(s.revocationCalls).toEqual({ get: 2 });
    // The session was created at START: its entry goes when its cookie could no longer open anyway.
    s.clock.now = START + 86_400_000 - 1;
    await s.revocation!.deleteExpired();
    expect(s.revocation!.size).toBe(1);
    s.clock.now += 1;
    await s.revocation!.deleteExpired();
    expect(s.revocation!.size).toBe(0);
  });

  it('a failing revocation store fails the request with 503, and a regenerate then changes nothing', async () => {
    const clock = { now: START };
    const memory = memoryStore({ warn: false, now: () => clock.now });
    const down = { get: false, set: false };
    const fail = (): Promise<never> => Promise.reject(new Error('revocation store unreachable'));
    const revocation = storeOver(memory, {});
    const flaky = {
      ...revocation,
      get: (key: string) => (down.get ? fail() : revocation.get(key)),
      set: (key: string, write: Parameters<typeof revocation.set>[1]) =>
        down.set ? fail() : revocation.set(key, write),
    };
    const manager = createSessionManager({
      store: sealedCookies({ revocation: flaky }),
      secret: SECRET,
      now: () => clock.now,
      onError: () => undefined,
    });
    const { cookie } = await write(manager, null, (session) => session.set('v', 'kept'));
    down.get = true;
    const reading = manager.open({ cookie, secure: true });
    await expect(reading.session.get('v')).rejects.toMatchObject({ code: 'SESSION_STORE', status: 503 });
    down.get = false;
    const regenerate = manager.open({ cookie, secure: true });
    expect(await regenerate.session.get('v')).toBe('kept');
    regenerate.session.regenerate();
    // Voiding the old id fails: no new cookie, and the old id was not voided.
    down.set = true;
    await expect(regenerate.commit({ status: 200 })).rejects.toMatchObject({ code: 'SESSION_STORE' });
    down.set = false;
    // Nothing changed: the old cookie still opens (its id was never voided).
    expect((await read(manager, cookie, 'v')).value).toBe('kept');
  });

  it('manager.close() closes the revocation store it was given', async () => {
    const s = sealed({ revocation: true });
    await s.manager.close();
    expect(s.revocationCalls.close).toBe(1);
  });
});
