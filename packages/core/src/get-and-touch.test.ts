// A read due for a touch is one store round trip on a store with getAndTouch (issue 15), and the
// commit refreshes the cookie exactly as a touch at commit does.
import { describe, expect, it } from 'vitest';
import type { SessionManager } from './manager.ts';
import { memoryStore } from './memory-store.ts';
import type { SessionRequest } from './session.ts';
import { counted, START, setup, storeOver, write } from './test-harness.ts';

const IDLE = 3600_000;

/** One request that reads `a`, opened as an ordinary handler (its response carries cookies). */
async function readA(
  manager: SessionManager,
  cookie: string | null,
  open: Partial<SessionRequest> = { canSetCookie: true },
  more?: (session: ReturnType<SessionManager['open']>['session']) => void | Promise<void>,
): Promise<{ value: unknown; setCookie: string | null }> {
  const handle = manager.open({ cookie, secure: true, ...open });
  const value = await handle.session.get('a');
  await more?.(handle.session);
  const result = await handle.commit({ status: 200 });
  return { value, setCookie: result.setCookie };
}

/** A signed-in session written at START, then the call counters zeroed. */
async function started(options: Parameters<typeof setup>[0] = {}) {
  const h = setup({ touchInterval: 600, ...options });
  const { cookie } = await write(h.manager, null, (s) => s.set('a', 1));
  for (const name of Object.keys(h.calls)) delete h.calls[name];
  return { ...h, cookie: cookie! };
}

describe('loading with getAndTouch', () => {
  it('a read due for a touch is one store call, and the commit refreshes the cookie', async () => {
    const h = await started();
    h.clock.now += 601_000;
    const result = await readA(h.manager, h.cookie);
    expect(result.value).toBe(1);
    expect(h.calls).toEqual({ getAndTouch: 1 });
    expect(result.setCookie).toContain('Max-Age=3600');
    // The store's expiry moved with the read: idle counts from now.
    h.clock.now += IDLE - 1000;
    expect((await readA(h.manager, h.cookie, {})).value).toBe(1);
  });

  it('a read not due is one store call, moves nothing and sets no cookie', async () => {
    const h = await started();
    h.clock.now += 300_000;
    const result = await readA(h.manager, h.cookie);
    expect(h.calls).toEqual({ getAndTouch: 1 });
    expect(result.setCookie).toBeNull();
    // The idle deadline still counts from the write: a second past it, the session is gone.
    h.clock.now = START + IDLE + 1000;
    expect((await readA(h.manager, h.cookie)).value).toBeUndefined();
  });

  it('a touched read that also writes costs the read and the write, never a second touch', async () => {
    const h = await started();
    h.clock.now += 601_000;
    const result = await readA(h.manager, h.cookie, { canSetCookie: true }, (s) => {
      s.set('b', 2);
      s.touch();
    });
    expect(h.calls).toEqual({ getAndTouch: 1, compareAndSet: 1 });
    expect(result.setCookie).toContain('Max-Age=3600');
  });

  it('a touched read followed by update() still refreshes the cookie at commit', async () => {
    const h = await started();
    h.clock.now += 601_000;
    const result = await readA(h.manager, h.cookie, { canSetCookie: true }, async (s) => {
      await s.update('n', (n) => ((n as number | undefined) ?? 0) + 1);
    });
    expect(h.calls).toEqual({ getAndTouch: 1, compareAndSet: 1 });
    expect(result.setCookie).toContain('Max-Age=3600');
  });

  it('session.touch() after a touched read adds no store call, and a second commit none either', async () => {
    const h = await started();
    h.clock.now += 601_000;
    const handle = h.manager.open({ cookie: h.cookie, secure: true, canSetCookie: true });
    await handle.session.get('a');
    handle.session.touch();
    const first = await handle.commit({ status: 200 });
    expect(first.setCookie).toContain('Max-Age=3600');
    const second = await handle.commit({ status: 200 });
    expect(second.setCookie).toBe(first.setCookie);
    expect(h.calls).toEqual({ getAndTouch: 1 });
  });

  it('in the last idle window, follows with a touch to the absolute end (the store cannot know it)', async () => {
    const h = await started({ idleTimeout: 3600, absoluteTimeout: 4000, touchInterval: 60 });
    h.clock.now += 3000_000;
    const result = await readA(h.manager, h.cookie);
    expect(h.calls).toEqual({ getAndTouch: 1, touch: 1 });
    expect(result.setCookie).toContain('Max-Age=1000');
    // The record ends with the session's absolute end, not an idle timeout later.
    h.clock.now = START + 4000_000 - 1;
    expect((await readA(h.manager, h.cookie, {})).value).toBe(1);
  });

  it('without canSetCookie the read is a plain get, and the touch waits for the commit', async () => {
    const h = await started();
    h.clock.now += 601_000;
    const result = await readA(h.manager, h.cookie, {});
    expect(h.calls).toEqual({ get: 1, touch: 1 });
    expect(result.setCookie).toContain('Max-Age=3600');
  });

  it('a read-only commit after a plain load moves no expiry (the cookie could not follow)', async () => {
    const h = await started();
    h.clock.now += 601_000;
    const handle = h.manager.open({ cookie: h.cookie, secure: true });
    await handle.session.get('a');
    expect((await handle.commit({ cookies: false })).setCookie).toBeNull();
    expect(h.calls).toEqual({ get: 1 });
  });

  it('once the head is out, the read is a plain get', async () => {
    const h = await started();
    h.clock.now += 601_000;
    await readA(h.manager, h.cookie, { canSetCookie: true, headersSent: () => true });
    expect(h.calls.get).toBe(1);
    expect(h.calls.getAndTouch).toBeUndefined();
  });

  it('on a store without getAndTouch, behaves as before: get, then touch at commit', async () => {
    const clock = { now: START };
    const memory = memoryStore({ warn: false, now: () => clock.now });
    const counter = counted(storeOver(memory, { compareAndSet: (k, v, w) => memory.compareAndSet(k, v, w) }));
    const h = setup({ store: counter.store, touchInterval: 600, now: () => clock.now }, memory);
    const { cookie } = await write(h.manager, null, (s) => s.set('a', 1));
    for (const name of Object.keys(counter.calls)) delete counter.calls[name];
    clock.now += 601_000;
    const result = await readA(h.manager, cookie);
    expect(counter.calls).toEqual({ get: 1, touch: 1 });
    expect(result.setCookie).toContain('Max-Age=3600');
  });

  it('a store that reports whole seconds still costs one call', async () => {
    const clock = { now: START };
    const memory = memoryStore({ warn: false, now: () => clock.now });
    const counter = counted(
      storeOver(memory, {
        compareAndSet: (k, v, w) => memory.compareAndSet(k, v, w),
        getAndTouch: async (k, touch) => {
          const read = await memory.getAndTouch(k, touch);
          return read && { ...read, expiresAt: Math.floor(read.expiresAt / 1000) * 1000 };
        },
      }),
    );
    const h = setup({ store: counter.store, touchInterval: 600, now: () => clock.now }, memory);
    const { cookie } = await write(h.manager, null, (s) => s.set('a', 1));
    for (const name of Object.keys(counter.calls)) delete counter.calls[name];
    clock.now += 601_500;
    const result = await readA(h.manager, cookie);
    expect(counter.calls).toEqual({ getAndTouch: 1 });
    expect(result.setCookie).toContain('Max-Age=3600');
  });

  it('a record gone before the follow-up touch gets no refreshed cookie', async () => {
    const h = await started({ idleTimeout: 3600, absoluteTimeout: 4000, touchInterval: 60 });
    h.clock.now += 3000_000;
    const touch = h.memory.touch.bind(h.memory);
    const memory = h.memory as { touch: typeof touch };
    memory.touch = async (key, expiresAt) => {
      await h.memory.delete(key);
      return touch(key, expiresAt);
    };
    const result = await readA(h.manager, h.cookie);
    expect(result.setCookie).toBeNull();
  });
});
