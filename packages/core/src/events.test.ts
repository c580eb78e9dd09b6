// Issue 16: one typed event hook, whose events carry no session id and no payload.
import { describe, expect, it, vi } from 'vitest';
import { nodeCryptoProvider } from './crypto-node.ts';
import { SessionError } from './errors.ts';
import type { SessionEvent } from './events.ts';
import { createSessionManager } from './factory.ts';
import { memoryStore } from './memory-store.ts';
import { cookiePair, SECRET, setup, storeOver, write } from './test-harness.ts';

function recording(): { events: SessionEvent[]; onEvent: (event: SessionEvent) => void } {
  const events: SessionEvent[] = [];
  return { events, onEvent: (event) => events.push(event) };
}

describe('onEvent', () => {
  it('hears store errors with their latency, and nothing in an event names the session or its data', async () => {
    const memory = memoryStore({ warn: false });
    let down = false;
    const store = storeOver(memory, {
      get: async (key) => {
        if (down)
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
        return memory.get(key);
      },
    });
    const { events, onEvent } = recording();
    const manager = createSessionManager({ store, secret: SECRET, onEvent });
    const { cookie } = await write(manager, null, (s) => s.set('card', 'secret-payload'));
    down = true;
    await expect(manager.open({ cookie, secure: true }).session.get('card')).rejects.toMatchObject({
      status: 503,
    });
    expect(events).toEqual([
      expect.objectContaining({ type: 'store-error', operation: 'get', latencyMs: expect.any(Number) }),
    ]);
    const text = JSON.stringify(events, (_key, value) =>
      value instanceof Error ? `${value.message}` : value,
    );
    const id = cookie!.slice(cookie!.indexOf('=') + 1, cookie!.indexOf('.'));
    expect(text).not.toContain(id);
    expect(text).not.toContain('secret-payload');
  });

  it('hears retried conflicts, dropped writes, cookie tossing and corrupt records, each typed', async () => {
    const { events, onEvent } = recording();
    const h = setup({ onEvent });
    const other = createSessionManager({ store: h.memory, secret: SECRET, now: () => h.clock.now, onEvent });
    const { cookie } = await write(h.manager, null, (s) => s.set('n', 0));
    // A conflict: the other "process" wrote after this one loaded.
    const first = h.manager.open({ cookie, secure: true });
    await first.session.exists();
    await write(other, cookie, (s) => s.set('x', 1));
    first.session.set('y', 2);
    await first.commit({ status: 200 });
    expect(events).toContainEqual({ type: 'cas-conflict', attempt: 1 });
    // A dropped write: destroyed meanwhile.
    const late = h.manager.open({ cookie, secure: true });
    await late.session.exists();
    await write(h.manager, cookie, (s) => s.destroy());
    late.session.set('late', true);
    await late.commit({ status: 200 });
    expect(events).toContainEqual(expect.objectContaining({ type: 'write-dropped', write: 'commit' }));
    // Tossing: two valid cookies of our name.
    const { cookie: a } = await write(h.manager, null, (s) => s.set('a', 1));
    const { cookie: b } = await write(h.manager, null, (s) => s.set('b', 1));
    await h.manager.open({ cookie: `${a}; ${b}`, secure: true }).session.exists();
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'cookie-tossing', reason: 'different values' }),
    );
    // A corrupt record.
    const { cookie: c } = await write(h.manager, null, (s) => s.set('c', 1));
    const key = await nodeCryptoProvider.sha256(cookiePair(c).split('=')[1]!.split('.')[0]!);
    await h.memory.set(key, {
      data: '{broken',
      expiresAt: h.clock.now + 60_000,
      absoluteExpiresAt: h.clock.now + 60_000,
      userId: null,
    });
    await h.manager.open({ cookie: c, secure: true }).session.exists();
    expect(events).toContainEqual(expect.objectContaining({ type: 'corrupt-record' }));
    for (const event of events) if ('error' in event) expect(event.error).toBeInstanceOf(SessionError);
  });

  it('by default, one line per problem on console.error; onError alone replaces it', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const h = { manager: createSessionManager({ store: memoryStore({ warn: false }), secret: SECRET }) };
      const { cookie: a } = await write(h.manager, null, (s) => s.set('a', 1));
      const { cookie: b } = await write(h.manager, null, (s) => s.set('b', 1));
      await h.manager.open({ cookie: `${a}; ${b}`, secure: true }).session.exists();
      expect(spy).toHaveBeenCalledWith(expect.stringMatching(/^\[cloakroom\] SESSION_COOKIE_TOSSING: /));
      spy.mockClear();
      const errors: SessionError[] = [];
      const quiet = setup({ onError: (error) => errors.push(error) });
      const { cookie: c } = await write(quiet.manager, null, (s) => s.set('a', 1));
      const { cookie: d } = await write(quiet.manager, null, (s) => s.set('b', 1));
      await quiet.manager.open({ cookie: `${c}; ${d}`, secure: true }).session.exists();
      expect(spy).not.toHaveBeenCalled();
      expect(errors.map((e) => e.code)).toEqual(['SESSION_COOKIE_TOSSING']);
    } finally {
      spy.mockRestore();
    }
  });
});
