import { createSessionManager, memoryStore, SessionError } from '@cloakroom/session-core';
import { describe, expect, it } from 'vitest';
import { ReadOnlySession, WritableSession } from './views.ts';

const secret = 'a-test-secret-that-is-long-enough-0123456789';

function setup() {
  let now = 1_800_000_000_000;
  const store = memoryStore({ warn: false, sweepInterval: 0, now: () => now });
  const manager = createSessionManager({
    store,
    secret,
    touchInterval: 60,
    idleTimeout: 600,
    now: () => now,
  });
  return {
    manager,
    advance: (seconds: number) => {
      now += seconds * 1000;
    },
    async stored(data: Record<string, unknown>, flash?: string): Promise<string> {
      const handle = manager.open({ cookie: null, secure: true });
      for (const [key, value] of Object.entries(data)) handle.session.set(key, value);
      if (flash !== undefined) handle.session.flash('notice', flash);
      return (await handle.commit()).setCookie!.split(';')[0]!;
    },
  };
}

async function readOnly(manager: ReturnType<typeof setup>['manager'], cookie: string | null) {
  const handle = manager.open({ cookie, secure: true });
  const view = await new ReadOnlySession(handle.session, async () => {
    await handle.commit({ cookies: false });
  }).load();
  return { handle, view };
}

function readonlyError(run: () => unknown): SessionError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SessionError);
    expect((error as SessionError).code).toBe('SESSION_COOKIE_READONLY');
    return error as SessionError;
  }
  throw new Error('expected SESSION_COOKIE_READONLY');
}

describe('ReadOnlySession (Server Components)', () => {
  it('without a session: reads work, and every write throws at the call, naming it', async () => {
    const { manager } = setup();
    const { view, handle } = await readOnly(manager, null);
    expect(await view.get('anything')).toBeUndefined();
    expect(await view.consumeFlash('notice')).toEqual([]);
    expect(readonlyError(() => view.set('a', 1)).message).toContain('session.set() without a session');
    readonlyError(() => view.delete('a'));
    readonlyError(() => view.clear());
    readonlyError(() => view.flash('notice', 'x'));
    readonlyError(() => view.setUser('ada'));
    await expect(view.update('n', () => 1)).rejects.toMatchObject({ code: 'SESSION_COOKIE_READONLY' });
    await expect(view.csrfToken()).rejects.toMatchObject({ code: 'SESSION_COOKIE_READONLY' });
    expect((await handle.commit({ cookies: false })).setCookie).toBeNull();
    expect(view.state).toBe('unmodified');
  });

  it('regenerate(), destroy() and setLifetime() always throw, and say where they belong', async () => {
    const { manager, stored } = setup();
    const cookie = await stored({ a: 1 });
    const { view, handle } = await readOnly(manager, cookie);
    const error = readonlyError(() => view.regenerate());
    expect(error.message).toMatch(/Server Action.*Route Handler/s);
    readonlyError(() => view.destroy());
    const remember = { idleTimeout: 30 * 86_400, absoluteTimeout: 90 * 86_400 };
    expect(readonlyError(() => view.setLifetime(remember)).message).toContain('session.setLifetime()');
    readonlyError(() => view.setLifetime(null));
    expect(view.state).toBe('unmodified');
    // Nothing reached core: the session keeps the manager's lifetime, and commit writes nothing.
    expect(await view.getLifetime()).toEqual({ idleTimeout: 600, absoluteTimeout: 604_800 });
    expect((await handle.commit({ cookies: false })).setCookie).toBeNull();
    expect(await manager.open({ cookie, secure: true }).session.getLifetime()).toEqual({
      idleTimeout: 600,
      absoluteTimeout: 604_800,
    });
  });

  it('on a stored session: writes that need no cookie are saved by save(), without one', async () => {
    const { manager, stored } = setup();
    const cookie = await stored({ a: 1 }, 'hello');
    const { view } = await readOnly(manager, cookie);
    expect(await view.consumeFlash('notice')).toEqual(['hello']);
    view.set('b', 2);
    expect(await view.update('a', (n) => Number(n) + 1)).toBe(2);
    const token = await view.csrfToken();
    await view.save();
    const again = manager.open({ cookie, secure: true }).session;
    expect(await again.all()).toEqual({ a: 2, b: 2 });
    expect(await again.consumeFlash('notice')).toEqual([]);
    expect(await again.verifyCsrfToken(token)).toBe(true);
  });
});

describe('WritableSession', () => {
  it('save() runs the commit it was given, and everything else reaches core', async () => {
    const { manager } = setup();
    const handle = manager.open({ cookie: null, secure: true });
    const saved: string[] = [];
    const view = new WritableSession(handle.session, async () => {
      const { setCookie } = await handle.commit();
      saved.push(setCookie ?? 'none');
    });
    view.set('a', 1);
    view.regenerate();
    view.setLifetime({ idleTimeout: 3_600, absoluteTimeout: 86_400 });
    expect(view.state).toBe('modified');
    await view.save();
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatch(/^__Host-session=/);
    expect(saved[0]).toContain('Max-Age=3600');
    expect(await view.get('a')).toBe(1);
    expect(await view.getLifetime()).toEqual({ idleTimeout: 3_600, absoluteTimeout: 86_400 });
  });
});
