// A session's own lifetime ("remember me", issue 19 part 2): honoured by expiry, by every touch, by the
// stores (they only see expiresAt) and by the cookie's Max-Age.
import { describe, expect, it } from 'vitest';
import { newRecord, toRecord } from './codec.ts';
import type { SessionManager } from './manager.ts';
import { memoryStore } from './memory-store.ts';
import type { Session, SessionLifetimeControl, SessionRequest } from './session.ts';
import { cookiePair, START, setup } from './test-harness.ts';
import { tieredStore } from './tiered-store.ts';

const DAY = 86_400;
const REMEMBER = { idleTimeout: 30 * DAY, absoluteTimeout: 90 * DAY };
type Handler = (session: Session & SessionLifetimeControl) => void | Promise<void>;

/** One request; resolves the cookie to send next and the Set-Cookie it got (or null). */
async function request(
  manager: SessionManager,
  cookie: string | null,
  fn: Handler = async (s) => {
    await s.get('a');
  },
  open: Partial<SessionRequest> = {},
): Promise<{ cookie: string | null; setCookie: string | null }> {
  const handle = manager.open({ cookie, secure: true, ...open });
  await fn(handle.session as Session & SessionLifetimeControl);
  const { setCookie } = await handle.commit({ status: 200 });
  return { cookie: setCookie === null ? cookie : cookiePair(setCookie), setCookie };
}

async function alive(manager: SessionManager, cookie: string | null): Promise<boolean> {
  const handle = manager.open({ cookie, secure: true });
  return handle.session.exists();
}

describe('session.setLifetime()', () => {
  it('a remember-me session outlives the default idle timeout; a default one does not', async () => {
    const h = setup(); // idle 1 h, absolute 1 day
    const plain = await request(h.manager, null, (s) => s.set('a', 1));
    const remembered = await request(h.manager, null, (s) => {
      s.set('a', 1);
      s.setLifetime(REMEMBER);
    });
    expect(plain.setCookie).toContain('Max-Age=3600');
    expect(remembered.setCookie).toContain(`Max-Age=${30 * DAY}`);
    h.clock.now += 2 * 3600_000;
    expect(await alive(h.manager, plain.cookie)).toBe(false);
    expect(await alive(h.manager, remembered.cookie)).toBe(true);
    // Past the manager's absolute timeout too (1 day), within its own (90 days).
    h.clock.now += 20 * DAY * 1000;
    expect(await alive(h.manager, remembered.cookie)).toBe(true);
    h.clock.now += 31 * DAY * 1000;
    expect(await alive(h.manager, remembered.cookie)).toBe(false);
  });

  it('sliding expiry follows its own idle timeout, touched on its own (scaled) interval', async () => {
    const h = setup({ touchInterval: 360 }); // a tenth of the idle timeout
    let { cookie } = await request(h.manager, null, (s) => {
      s.set('a', 1);
      s.setLifetime(REMEMBER);
    });
    h.calls.touch = 0;
    h.clock.now += DAY * 1000; // under 3 days (a tenth of 30): not due
    expect((await request(h.manager, cookie)).setCookie).toBeNull();
    expect(h.calls.touch).toBe(0);
    h.clock.now += 3 * DAY * 1000;
    const touched = await request(h.manager, cookie);
    expect(touched.setCookie).toContain(`Max-Age=${30 * DAY}`);
    expect(h.calls.touch).toBe(1);
    cookie = touched.cookie;
    // 29 days after that touch it is alive; 30 days and a second after its last touch, gone.
    h.clock.now += 29 * DAY * 1000;
    expect(await alive(h.manager, cookie)).toBe(true);
    h.clock.now += DAY * 1000 + 1000;
    expect(await alive(h.manager, cookie)).toBe(false);
  });

  it('its own absolute timeout ends it, and caps the cookie Max-Age', async () => {
    const h = setup({ touchInterval: 60 });
    const { cookie } = await request(h.manager, null, (s) => {
      s.set('a', 1);
      s.setLifetime({ idleTimeout: 10 * DAY, absoluteTimeout: 12 * DAY });
    });
    h.clock.now += 9 * DAY * 1000;
    const late = await request(h.manager, cookie, undefined, { canSetCookie: true });
    expect(late.setCookie).toContain(`Max-Age=${3 * DAY}`);
    h.clock.now += 3 * DAY * 1000;
    expect(await alive(h.manager, cookie)).toBe(false);
  });

  it('a shorter lifetime applies at once, to the store and the cookie', async () => {
    const h = setup();
    const { cookie } = await request(h.manager, null, (s) => s.set('a', 1));
    const shortened = await request(h.manager, cookie, (s) => {
      s.setLifetime({ idleTimeout: 600, absoluteTimeout: 3600 });
    });
    expect(shortened.setCookie).toContain('Max-Age=600');
    h.clock.now += 601_000;
    expect(await alive(h.manager, cookie)).toBe(false);
  });

  it('survives regenerate() and ends with destroy()', async () => {
    const h = setup();
    const first = await request(h.manager, null, (s) => {
      s.set('a', 1);
      s.setLifetime(REMEMBER);
    });
    const rotated = await request(h.manager, first.cookie, (s) => {
      s.regenerate();
      s.setUser('alice');
    });
    expect(rotated.cookie).not.toBe(first.cookie);
    expect(rotated.setCookie).toContain(`Max-Age=${30 * DAY}`);
    h.clock.now += 2 * 3600_000;
    expect(await alive(h.manager, rotated.cookie)).toBe(true);
    const fresh = await request(h.manager, rotated.cookie, async (s) => {
      s.destroy();
      s.set('b', 2);
      expect(await s.getLifetime()).toEqual({ idleTimeout: 3600, absoluteTimeout: 86_400 });
    });
    expect(fresh.setCookie).toContain('Max-Age=3600');
  });

  it('null goes back to the manager timeouts, and getLifetime() says which apply', async () => {
    const h = setup();
    const { cookie } = await request(h.manager, null, (s) => {
      s.set('a', 1);
      s.setLifetime(REMEMBER);
    });
    await request(h.manager, cookie, async (s) => {
      expect(await s.getLifetime()).toEqual(REMEMBER);
    });
    const reset = await request(h.manager, cookie, (s) => s.setLifetime(null));
    expect(reset.setCookie).toContain('Max-Age=3600');
    h.clock.now += 3601_000;
    expect(await alive(h.manager, cookie)).toBe(false);
  });

  it("gives a persistent cookie even when cookie.maxAge is 'session'", async () => {
    const h = setup({ cookie: { maxAge: 'session' } });
    const plain = await request(h.manager, null, (s) => s.set('a', 1));
    const remembered = await request(h.manager, null, (s) => {
      s.set('a', 1);
      s.setLifetime(REMEMBER);
    });
    expect(plain.setCookie).not.toContain('Max-Age');
    expect(remembered.setCookie).toContain(`Max-Age=${30 * DAY}`);
  });

  it('refuses a lifetime that is not positive, finite, ordered and within 400 days', async () => {
    const h = setup();
    const handle = h.manager.open({ cookie: null, secure: true });
    const session = handle.session as Session & SessionLifetimeControl;
    for (const bad of [
      { idleTimeout: 0, absoluteTimeout: 10 },
      { idleTimeout: -1, absoluteTimeout: 10 },
      { idleTimeout: Number.NaN, absoluteTimeout: 10 },
      { idleTimeout: Number.POSITIVE_INFINITY, absoluteTimeout: Number.POSITIVE_INFINITY },
      { idleTimeout: 20, absoluteTimeout: 10 },
      { idleTimeout: 10, absoluteTimeout: 401 * DAY },
      { idleTimeout: '10', absoluteTimeout: 20 },
      {},
    ]) {
      expect(() => session.setLifetime(bad as never), JSON.stringify(bad)).toThrow(
        expect.objectContaining({ code: 'SESSION_USAGE' }),
      );
    }
    expect(() => session.setLifetime({ idleTimeout: 400 * DAY, absoluteTimeout: 400 * DAY })).not.toThrow();
    expect(session.state).toBe('modified');
  });

  it('needs a response that can carry the cookie', async () => {
    const h = setup();
    const { cookie } = await request(h.manager, null, (s) => s.set('a', 1));
    const handle = h.manager.open({ cookie, secure: true });
    (handle.session as Session & SessionLifetimeControl).setLifetime(REMEMBER);
    await expect(handle.commit({ cookies: false })).rejects.toMatchObject({
      code: 'SESSION_COOKIE_READONLY',
    });
  });

  it('on tiered and memory stores alike, the store only sees the later expiry', async () => {
    for (const tiered of [false, true]) {
      const clock = { now: START };
      const memory = memoryStore({ warn: false, now: () => clock.now });
      const store = tiered
        ? tieredStore({
            cache: memoryStore({ warn: false, now: () => clock.now }),
            durable: memory,
            now: () => clock.now,
          })
        : memory;
      const h = setup({ store, now: () => clock.now }, memory);
      const { cookie } = await request(h.manager, null, (s) => {
        s.set('a', 1);
        s.setUser('u');
        s.setLifetime(REMEMBER);
      });
      const [listed] = await memory.listByUser('u');
      expect(listed?.expiresAt).toBe(START + 30 * DAY * 1000);
      clock.now += 2 * DAY * 1000;
      expect(await alive(h.manager, cookie)).toBe(true);
    }
  });
});

describe('loading with getAndTouch, for a session with its own lifetime', () => {
  it('a longer idle: the read is not due for the store, and core touches on its own interval', async () => {
    const h = setup({ touchInterval: 360 });
    const { cookie } = await request(h.manager, null, (s) => {
      s.set('a', 1);
      s.setLifetime(REMEMBER);
    });
    for (const name of Object.keys(h.calls)) delete h.calls[name];
    h.clock.now += 4 * DAY * 1000;
    const read = await request(h.manager, cookie, undefined, { canSetCookie: true });
    expect(h.calls).toEqual({ getAndTouch: 1, touch: 1 });
    expect(read.setCookie).toContain(`Max-Age=${30 * DAY}`);
  });

  it('a shorter idle: a due read follows with a touch to its own idle, never the default one', async () => {
    const h = setup({ touchInterval: 360 });
    const { cookie } = await request(h.manager, null, (s) => {
      s.set('a', 1);
      s.setLifetime({ idleTimeout: 600, absoluteTimeout: 3600 });
    });
    for (const name of Object.keys(h.calls)) delete h.calls[name];
    h.clock.now += 100_000;
    const read = await request(h.manager, cookie, undefined, { canSetCookie: true });
    expect(h.calls).toEqual({ getAndTouch: 1, touch: 1 });
    expect(read.setCookie).toContain('Max-Age=600');
    h.clock.now += 601_000;
    expect(await alive(h.manager, cookie)).toBe(false);
  });
});

describe('the stored lifetime', () => {
  it('old records without one keep working; a malformed one is a corrupt record', () => {
    const old = { v: 1, c: START, u: null, d: { a: 1 } };
    expect(toRecord(old)?.lifetime).toBeNull();
    expect(toRecord({ ...old, l: [60, 120] })?.lifetime).toEqual({ idleMs: 60_000, absoluteMs: 120_000 });
    for (const l of [[60], [120, 60], [0, 10], ['60', 120], { i: 60, a: 120 }, [60, 500 * DAY]]) {
      expect(toRecord({ ...old, l }), JSON.stringify(l)).toBeNull();
    }
    expect(newRecord(START).lifetime).toBeNull();
  });
});
