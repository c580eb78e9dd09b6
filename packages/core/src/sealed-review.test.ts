// Regression tests for defects a review found in sealed-cookie mode with a revocation store: revocation
// entries outlived by an older cookie of the same id, a regenerate in flight surviving a destroy or a
// sign-out everywhere, a regenerate that was not all or nothing, an undecodable sealed record unreported.
import { describe, expect, it } from 'vitest';
import { fromRecord, newRecord } from './codec.ts';
import type { CryptoProvider } from './crypto.ts';
import { nodeCryptoProvider } from './crypto-node.ts';
import type { SessionError } from './errors.ts';
import { createSessionManager } from './factory.ts';
import type { SessionManager } from './manager.ts';
import { type MemoryStore, memoryStore } from './memory-store.ts';
import { CookieSealer } from './sealed.ts';
import { sealedCookies } from './sealed-session.ts';
import type { Session, SessionLifetimeControl } from './session.ts';
import type { AnySessionStore } from './store.ts';
import { cookiePair, START, storeOver, write } from './test-harness.ts';

const SECRET = 'a-sealed-session-secret-that-is-long-enough-1';
const NAME = '__Host-session';
const DAY = 86_400_000;
const REMEMBER_ME = { idleTimeout: 30 * 86_400, absoluteTimeout: 90 * 86_400 };
type Lifetimed = Session & SessionLifetimeControl;

interface Rig {
  manager: SessionManager;
  clock: { now: number };
  memory: MemoryStore;
  errors: SessionError[];
}

/** A sealed manager over a memory revocation store, with `revocation` and `crypto` wrapping it if given. */
function rig(
  options: { revocation?: (memory: MemoryStore) => AnySessionStore; crypto?: CryptoProvider } = {},
): Rig {
  const clock = { now: START };
  const memory = memoryStore({ warn: false, now: () => clock.now });
  const errors: SessionError[] = [];
  const manager = createSessionManager({
    store: sealedCookies({ revocation: options.revocation?.(memory) ?? storeOver(memory) }),
    secret: SECRET,
    idleTimeout: 3600,
    absoluteTimeout: 86_400,
    touchInterval: 360,
    now: () => clock.now,
    onError: (error) => errors.push(error),
    ...(options.crypto ? { crypto: options.crypto } : {}),
  });
  return { manager, clock, memory, errors };
}

async function readV(manager: SessionManager, cookie: string | null): Promise<unknown> {
  const handle = manager.open({ cookie, secure: true });
  const value = await handle.session.get('v');
  await handle.commit({ status: 200 });
  return value;
}

/**
 * A session with `v` ('secret', and user alice unless `user` is null) and a request on its cookie that
 * loaded it and called regenerate(), not committed yet.
 */
async function regenerating(r: Rig, user: string | null = 'alice') {
  const { cookie } = await write(r.manager, null, (s) => {
    s.set('v', 'secret');
    if (user !== null) s.setUser(user);
  });
  const handle = r.manager.open({ cookie, secure: true });
  expect(await handle.session.get('v')).toBe('secret');
  handle.session.regenerate();
  return { cookie, handle };
}

/** Runs `hook` once, inside the next seal (after the regenerate's first checks, before its cookie exists). */
function hookedSeal(): { crypto: CryptoProvider; arm(hook: () => Promise<void>): void } {
  let armed: (() => Promise<void>) | null = null;
  const crypto: CryptoProvider = {
    ...nodeCryptoProvider,
    sealBytes: async (...args) => {
      const hook = armed;
      armed = null;
      if (hook) await hook();
      return nodeCryptoProvider.sealBytes!(...args);
    },
  };
  return { crypto, arm: (hook) => (armed = hook) };
}

describe('revocation entries outlive every cookie of their id', () => {
  it('destroy after a shorter lifetime: the earlier remember-me cookie stays void once the entry could go', async () => {
    const r = rig();
    const { cookie: c1 } = await write(r.manager, null, (s) => {
      s.set('v', 'secret');
      s.setUser('alice');
      (s as Lifetimed).setLifetime(REMEMBER_ME);
    });
    // Later requests go back to the manager's lifetime (1 day absolute), then the user signs out.
    const c2 = await write(r.manager, c1, (s) => (s as Lifetimed).setLifetime(null));
    const c3 = await write(r.manager, c2.cookie, (s) => s.set('n', 1));
    await write(r.manager, c3.cookie, (s) => s.destroy());
    expect(await readV(r.manager, c1)).toBeUndefined();
    r.clock.now += 2 * DAY;
    await r.memory.deleteExpired();
    expect(await readV(r.manager, c1)).toBeUndefined();
    // The entry goes when the longest lifetime the id ever had ends.
    r.clock.now = START + 90 * DAY - 1;
    await r.memory.deleteExpired();
    expect(r.memory.size).toBe(1);
    r.clock.now += 1;
    await r.memory.deleteExpired();
    expect(r.memory.size).toBe(0);
  });

  it('regenerate together with a shorter lifetime: the old remember-me cookie stays void', async () => {
    const r = rig();
    const { cookie: c1 } = await write(r.manager, null, (s) => {
      s.set('v', 'secret');
      (s as Lifetimed).setLifetime(REMEMBER_ME);
    });
    await write(r.manager, c1, (s) => {
      (s as Lifetimed).setLifetime(null);
      s.regenerate();
    });
    expect(await readV(r.manager, c1)).toBeUndefined();
    r.clock.now += 2 * DAY;
    await r.memory.deleteExpired();
    expect(await readV(r.manager, c1)).toBeUndefined();
  });

  it('a cookie sealed before the longest end was sealed in it: its entry uses its record’s end', async () => {
    const r = rig();
    const sealer = new CookieSealer({
      secrets: [new TextEncoder().encode(SECRET)],
      cookieName: NAME,
      crypto: nodeCryptoProvider,
    });
    const record = newRecord(START);
    record.data.set('v', 'legacy');
    const envelope = { v: 1, i: 'a'.repeat(43), s: START, e: START + 3_600_000, r: fromRecord(record) };
    const legacy = `${NAME}=${await sealer.seal(JSON.stringify(envelope))}`;
    expect(await readV(r.manager, legacy)).toBe('legacy');
    await write(r.manager, legacy, (s) => s.destroy());
    expect(await readV(r.manager, legacy)).toBeUndefined();
    r.clock.now = START + DAY - 1;
    await r.memory.deleteExpired();
    expect(r.memory.size).toBe(1);
  });
});

describe('a regenerate in flight never outlives a destroy or a sign-out everywhere', () => {
  it('manager.destroyUserSessions() landing while the old id is voided: the new cookie does not open', async () => {
    let hook: (() => Promise<void>) | null = null;
    const r = rig({
      revocation: (memory) =>
        storeOver(memory, {
          set: async (key, entry) => {
            const run = hook;
            hook = null;
            if (run) await run();
            return memory.set(key, entry);
          },
        }),
    });
    const { cookie: c1, handle: a } = await regenerating(r);
    hook = async () => {
      r.clock.now += 5;
      await r.manager.destroyUserSessions('alice');
      r.clock.now += 5;
    };
    const result = await a.commit({ status: 200 });
    expect(hook).toBeNull();
    const next = result.setCookie === null ? null : cookiePair(result.setCookie);
    expect(await readV(r.manager, next)).toBeUndefined();
    expect(await readV(r.manager, c1)).toBeUndefined();
  });

  it('manager.destroyUserSessions() landing while the new cookie is sealed: dropped, reported, only the clearing cookie', async () => {
    const seal = hookedSeal();
    const r = rig({ crypto: seal.crypto });
    const { cookie: c1, handle: a } = await regenerating(r);
    seal.arm(async () => {
      r.clock.now += 5;
      await r.manager.destroyUserSessions('alice');
    });
    const result = await a.commit({ status: 200 });
    expect(result.setCookie).toMatch(/Max-Age=0/);
    expect(r.errors.map((error) => error.code)).toContain('SESSION_WRITE_DROPPED');
    expect(await readV(r.manager, c1)).toBeUndefined();
  });

  it('a destroy landing while the new cookie is sealed: dropped, reported, only the clearing cookie', async () => {
    const seal = hookedSeal();
    const r = rig({ crypto: seal.crypto });
    const { cookie: c1, handle: a } = await regenerating(r, null);
    seal.arm(async () => {
      await write(r.manager, c1, (s) => s.destroy());
    });
    const result = await a.commit({ status: 200 });
    expect(result.setCookie).toMatch(/Max-Age=0/);
    expect(r.errors.map((error) => error.code)).toContain('SESSION_WRITE_DROPPED');
    expect(await readV(r.manager, c1)).toBeUndefined();
  });
});

describe('a sealed regenerate is all or nothing', () => {
  it('the old id’s entry is the last store call: the store dropping right after it fails nothing', async () => {
    let getDown = false;
    const r = rig({
      revocation: (memory) =>
        storeOver(memory, {
          get: (key) => (getDown ? Promise.reject(new Error('down')) : memory.get(key)),
          set: async (key, entry) => {
            const version = await memory.set(key, entry);
            getDown = true;
            return version;
          },
        }),
    });
    const { cookie: c1, handle: a } = await regenerating(r);
    const result = await a.commit({ status: 200 });
    getDown = false;
    expect(await readV(r.manager, cookiePair(result.setCookie))).toBe('secret');
    expect(await readV(r.manager, c1)).toBeUndefined();
  });

  it('the store failing before the old id is voided: 503, no cookie, the old cookie still opens', async () => {
    let getDown = false;
    const r = rig({
      revocation: (memory) =>
        storeOver(memory, {
          get: (key) => (getDown ? Promise.reject(new Error('down')) : memory.get(key)),
        }),
    });
    const { cookie: c1, handle: a } = await regenerating(r);
    getDown = true;
    await expect(a.commit({ status: 200 })).rejects.toMatchObject({ code: 'SESSION_STORE', status: 503 });
    getDown = false;
    expect(r.memory.size).toBe(0);
    expect(await readV(r.manager, c1)).toBe('secret');
  });
});

describe('a sealed value that authenticates but does not decode', () => {
  async function sealedValue(plaintext: string): Promise<string> {
    const sealer = new CookieSealer({
      secrets: [new TextEncoder().encode(SECRET)],
      cookieName: NAME,
      crypto: nodeCryptoProvider,
    });
    return `${NAME}=${await sealer.seal(plaintext)}`;
  }

  it.each([
    ['a record that does not decode', JSON.stringify({ v: 1, i: 'x', s: START, e: START + 1, r: 42 })],
    ['no envelope', 'not json'],
  ])('%s: no session, reported as SESSION_CORRUPT_RECORD', async (_, plaintext) => {
    const r = rig();
    const cookie = await sealedValue(plaintext);
    expect(await readV(r.manager, cookie)).toBeUndefined();
    expect(r.errors.map((error) => error.code)).toEqual(['SESSION_CORRUPT_RECORD']);
  });
});

describe('destroy after an earlier commit of the same request sealed the session', () => {
  it('a copy of the cookie the created session went out with opens nothing', async () => {
    const r = rig();
    const handle = r.manager.open({ cookie: null, secure: true });
    handle.session.set('v', 'secret');
    const created = await handle.commit({ status: 200 });
    handle.session.destroy();
    expect((await handle.commit({ status: 200 })).setCookie).toMatch(/Max-Age=0/);
    expect(await readV(r.manager, cookiePair(created.setCookie))).toBeUndefined();
  });

  it('a copy of the regenerated session’s cookie opens nothing, nor does the old one', async () => {
    const r = rig();
    const { cookie, handle } = await regenerating(r, null);
    const moved = await handle.commit({ status: 200 });
    handle.session.destroy();
    expect((await handle.commit({ status: 200 })).setCookie).toMatch(/Max-Age=0/);
    expect(await readV(r.manager, cookiePair(moved.setCookie))).toBeUndefined();
    expect(await readV(r.manager, cookie)).toBeUndefined();
  });

  it('a copy of the cookie re-sealed with a longer lifetime stays void as long as it could open', async () => {
    const r = rig();
    const { cookie } = await write(r.manager, null, (s) => s.set('v', 'secret'));
    const handle = r.manager.open({ cookie, secure: true });
    (handle.session as Lifetimed).setLifetime(REMEMBER_ME);
    const longer = await handle.commit({ status: 200 });
    handle.session.destroy();
    await handle.commit({ status: 200 });
    r.clock.now += 2 * DAY;
    await r.memory.deleteExpired();
    expect(await readV(r.manager, cookiePair(longer.setCookie))).toBeUndefined();
  });
});

describe('the per-user cut-off never moves back', () => {
  it('a process whose clock is behind revoking after one ahead keeps the later time (compare-and-set store)', async () => {
    const ahead = rig({ revocation: (memory) => memory });
    const behindClock = { now: START };
    const behind = createSessionManager({
      store: sealedCookies({ revocation: ahead.memory }),
      secret: SECRET,
      now: () => behindClock.now,
      onError: () => undefined,
    });
    ahead.clock.now = START + 5_000;
    const { cookie } = await write(ahead.manager, null, (s) => {
      s.set('v', 'secret');
      s.setUser('alice');
    });
    ahead.clock.now = START + 10_000;
    await ahead.manager.destroyUserSessions('alice');
    expect(await readV(ahead.manager, cookie)).toBeUndefined();
    // The other process, 10 s behind, signs alice out everywhere too: the session issued at +5 s stays void.
    await behind.destroyUserSessions('alice');
    expect(await readV(ahead.manager, cookie)).toBeUndefined();
    // A sign-in after both still lives.
    const { cookie: again } = await write(behind, null, (s) => {
      s.set('v', 'again');
      s.setUser('alice');
    });
    expect(await readV(ahead.manager, again)).toBe('again');
  });
});
