import { memoryStore, type Session, type SessionStore } from '@cloakroom/session-core';
import { describe, expect, it } from 'vitest';
import {
  appendItem,
  checkCredentials,
  type DemoData,
  DemoError,
  deviceOf,
  MAX_CART_ITEMS,
  MAX_DEVICE_LENGTH,
  MAX_ITEM_LENGTH,
  noUserIndex,
  requireUser,
  sessionList,
  unlisted,
} from './actions.ts';
import { manager, Visitor } from './test/visitor.ts';

// What a demo's cart route does with them.
const addToCart = (session: Session<DemoData>, item: unknown): Promise<string[]> =>
  session.update('cart', appendItem({ item }));

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('checkCredentials()', () => {
  it.each([
    [{ username: 'alice', password: 'bob-secret' }],
    [{ username: 'carol', password: 'alice-secret' }],
    [{ username: 'alice' }],
    [{ username: 'alice', password: 'alice-secret!' }],
    [{ username: ['alice'], password: 'alice-secret' }],
    [{ username: 'constructor', password: 'x' }],
    [null],
    ['alice'],
  ])('refuses %j with 401', (body) => {
    const error = thrown(() => checkCredentials(body));
    expect(error).toBeInstanceOf(DemoError);
    expect(error).toMatchObject({ status: 401, message: 'Wrong username or password.' });
  });

  it('returns the username of a demo user', () => {
    expect(checkCredentials({ username: 'alice', password: 'alice-secret' })).toBe('alice');
    expect(checkCredentials({ username: 'bob', password: 'bob-secret' })).toBe('bob');
  });
});

describe('appendItem()', () => {
  it.each([[''], ['x'.repeat(MAX_ITEM_LENGTH + 1)], [42], [null]])('refuses item %j with 400', (item) => {
    expect(thrown(() => appendItem({ item }))).toMatchObject({ status: 400 });
  });

  it('refuses a body that is not an object', () => {
    expect(thrown(() => appendItem('apple'))).toMatchObject({ status: 400 });
  });

  it('appends 1 to 64 characters, in order, through session.update', async () => {
    const sessions = manager();
    const visitor = new Visitor();
    await visitor.request(sessions, (s) => addToCart(s, 'a'));
    const long = 'y'.repeat(MAX_ITEM_LENGTH);
    expect(await visitor.request(sessions, (s) => addToCart(s, long))).toEqual(['a', long]);
    expect(await visitor.request(sessions, (s) => s.get('cart'))).toEqual(['a', long]);
  });

  it('refuses item MAX_CART_ITEMS + 1, and the fullest, most escaped cart still saves', async () => {
    const sessions = manager(); // core's default maxPayloadBytes
    const visitor = new Visitor();
    // A control character is 6 bytes of JSON (\u0001): the largest cart a visitor can build.
    const heavy = '\u0001'.repeat(MAX_ITEM_LENGTH);
    for (let i = 0; i < MAX_CART_ITEMS; i++) await visitor.request(sessions, (s) => addToCart(s, heavy));
    const refused = await visitor
      .request(sessions, (s) => addToCart(s, heavy))
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DemoError);
    expect(refused).toMatchObject({ status: 400, message: expect.stringContaining('cart is full') });
    expect(await visitor.request(sessions, (s) => s.get('cart'))).toHaveLength(MAX_CART_ITEMS);
    const count = await visitor.request(sessions, (s) => s.update('count', (n = 0) => n + 1));
    expect(count, 'the session still saves').toBe(1);
  });

  it('parallel adds into an almost full cart stop at the limit', async () => {
    const sessions = manager();
    const visitor = new Visitor();
    for (let i = 0; i < MAX_CART_ITEMS - 2; i++) await visitor.request(sessions, (s) => addToCart(s, 'a'));
    const results = await visitor.request(sessions, (s) =>
      Promise.allSettled(Array.from({ length: 5 }, () => addToCart(s, 'b'))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    expect(await visitor.request(sessions, (s) => s.get('cart'))).toHaveLength(MAX_CART_ITEMS);
  });
});

describe('deviceOf()', () => {
  it('keeps a user agent up to MAX_DEVICE_LENGTH characters', () => {
    expect(deviceOf(' Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0 ')).toBe(
      'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0',
    );
    expect(deviceOf('x'.repeat(5000))).toBe('x'.repeat(MAX_DEVICE_LENGTH));
  });

  it.each([[undefined], [null], [''], ['   ']])('names %j an unknown device', (agent) => {
    expect(deviceOf(agent)).toBe('unknown device');
  });
});

describe('requireUser()', () => {
  it('answers a signed-out request 401, and passes the user through', () => {
    expect(thrown(() => requireUser(null))).toMatchObject({ status: 401, message: 'Sign in first.' });
    expect(requireUser('bob')).toBe('bob');
  });
});

describe('noUserIndex(), unlisted() and sessionList()', () => {
  it('list the user’s sessions with the current one marked', async () => {
    const sessions = manager();
    const [phone, laptop] = [new Visitor(), new Visitor()];
    for (const device of [phone, laptop]) {
      await device.request(sessions, async (s) => {
        s.regenerate();
        s.setUser('alice');
      });
    }
    const listed = await phone.request(sessions, async (s) => sessionList(await s.listSessions()));
    expect(listed).toHaveLength(2);
    expect(listed.filter((s) => s.current)).toHaveLength(1);
    for (const s of listed) {
      expect(Object.keys(s).sort()).toEqual(['createdAt', 'current']);
      expect(new Date(s.createdAt).toISOString()).toBe(s.createdAt);
    }
  });

  it('turn a store without the per-user index (as Memcached) into 501 and “unsupported”', async () => {
    const full = memoryStore({ warn: false });
    // The required methods only: what the Memcached store offers besides compare-and-set.
    const store: SessionStore = {
      get: (key) => full.get(key),
      create: (key, write) => full.create(key, write),
      set: (key, write) => full.set(key, write),
      touch: (key, expiresAt) => full.touch(key, expiresAt),
      delete: (key) => full.delete(key),
    };
    const sessions = manager(store);
    const visitor = new Visitor();
    await visitor.request(sessions, async (s) => s.setUser('alice'));
    await expect(visitor.request(sessions, (s) => s.listSessions().catch(noUserIndex))).rejects.toMatchObject(
      {
        status: 501,
      },
    );
    await expect(
      visitor.request(sessions, (s) => s.revokeOtherSessions().catch(noUserIndex)),
    ).rejects.toMatchObject({ status: 501 });
    expect(await visitor.request(sessions, (s) => s.listSessions().catch(unlisted))).toBe('unsupported');
  });

  it('let any other error through (a store outage is not a 501)', () => {
    const outage = new Error('ECONNREFUSED');
    expect(thrown(() => noUserIndex(outage))).toBe(outage);
    expect(thrown(() => unlisted(outage))).toBe(outage);
  });
});
