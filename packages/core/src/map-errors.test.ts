import { describe, expect, it } from 'vitest';
import type { SessionError } from './errors.ts';
import { createSessionManager } from './factory.ts';
import { mapSessionErrors } from './map-errors.ts';
import { memoryStore } from './memory-store.ts';
import { cookiePair, SECRET, START, storeOver } from './test-harness.ts';

const REMEMBER = { idleTimeout: 30 * 86_400, absoluteTimeout: 90 * 86_400 };

describe('ForwardingSession: session.setLifetime() and getLifetime()', () => {
  it('forwards both: the lifetime set through a wrapper is saved, and read back through one', async () => {
    const memory = memoryStore({ warn: false, now: () => START });
    const manager = createSessionManager({
      store: memory,
      secret: SECRET,
      idleTimeout: 3_600,
      now: () => START,
    });
    const handle = manager.open({ cookie: null, secure: true });
    const mapped = mapSessionErrors(handle.session, (error) => error);
    mapped.set('a', 1);
    mapped.setLifetime(REMEMBER);
    expect(await mapped.getLifetime()).toEqual(REMEMBER);
    const { setCookie } = await handle.commit();
    expect(setCookie).toContain(`Max-Age=${REMEMBER.idleTimeout}`);
    const next = mapSessionErrors(
      manager.open({ cookie: cookiePair(setCookie), secure: true }).session,
      (e) => e,
    );
    expect(await next.getLifetime()).toEqual(REMEMBER);
    next.setLifetime(null);
    expect(await next.getLifetime()).toEqual({ idleTimeout: 3_600, absoluteTimeout: 604_800 });
  });

  it('routes a failing getLifetime() through the mapper, like the other reads', async () => {
    const memory = memoryStore({ warn: false });
    const good = createSessionManager({ store: memory, secret: SECRET });
    const first = good.open({ cookie: null, secure: true });
    first.session.set('a', 1);
    const cookie = cookiePair((await first.commit()).setCookie);
    const broken = storeOver(memory, {
      get: async () => {
        throw new Error('down');
      },
    });
    const handle = createSessionManager({ store: broken, secret: SECRET, onError: () => undefined }).open({
      cookie,
      secure: true,
    });
    const mapped = mapSessionErrors(
      handle.session,
      (error) => new Error(`mapped: ${(error as SessionError).code}`),
    );
    await expect(mapped.getLifetime()).rejects.toThrow('mapped: SESSION_STORE');
  });
});
