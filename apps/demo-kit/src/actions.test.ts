import { memoryStore, type SessionStore } from '@cloakroom/session-core';
import { describe, expect, it } from 'vitest';
import {
  addToCart,
  DemoError,
  increment,
  listSessions,
  login,
  logout,
  MAX_CART_ITEMS,
  MAX_ITEM_LENGTH,
  readState,
  revokeOthers,
} from './actions.ts';
import { manager, Visitor } from './test/visitor.ts';

const ALICE = { username: 'alice', password: 'alice-secret' };

describe('readState()', () => {
  it('is empty for a new visitor, and sets no cookie', async () => {
    const visitor = new Visitor();
    expect(await visitor.request(manager(), readState)).toEqual({
      user: null,
      count: 0,
      cart: [],
      flash: [],
    });
    expect(visitor.cookie).toBeUndefined();
  });
});

describe('increment()', () => {
  it('counts across requests, and parallel increments in one request all land', async () => {
    const sessions = manager();
    const visitor = new Visitor();
    expect(await visitor.request(sessions, increment)).toEqual({ count: 1 });
    const counts = await visitor.request(sessions, (s) =>
      Promise.all([increment(s), increment(s), increment(s)]),
    );
    expect(counts.map((c) => c.count).sort()).toEqual([2, 3, 4]);
    expect((await visitor.request(sessions, readState)).count).toBe(4);
  });
});

describe('addToCart()', () => {
  it.each([[''], ['x'.repeat(MAX_ITEM_LENGTH + 1)], [42], [null]])(
    'refuses item %j with 400',
    async (item) => {
      const error = await new Visitor()
        .request(manager(), (s) => addToCart(s, { item }))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DemoError);
      expect(error).toMatchObject({ status: 400 });
    },
  );

  it('refuses a body that is not an object', async () => {
    await expect(new Visitor().request(manager(), (s) => addToCart(s, 'apple'))).rejects.toMatchObject({
      status: 400,
    });
  });

  it('appends 1 to 64 characters, in order', async () => {
    const sessions = manager();
    const visitor = new Visitor();
    await visitor.request(sessions, (s) => addToCart(s, { item: 'a' }));
    const long = 'y'.repeat(MAX_ITEM_LENGTH);
    expect(await visitor.request(sessions, (s) => addToCart(s, { item: long }))).toEqual({
      cart: ['a', long],
    });
  });
});

describe('addToCart() at the cart limit', () => {
  it('refuses item MAX_CART_ITEMS + 1, and the fullest, most escaped cart still saves', async () => {
    const sessions = manager(); // core's default maxPayloadBytes
    const visitor = new Visitor();
    // A control character is 6 bytes of JSON (\u0001): the largest cart a visitor can build.
    const heavy = '\u0001'.repeat(MAX_ITEM_LENGTH);
    for (let i = 0; i < MAX_CART_ITEMS; i++)
      await visitor.request(sessions, (s) => addToCart(s, { item: heavy }));
    const refused = await visitor
      .request(sessions, (s) => addToCart(s, { item: heavy }))
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DemoError);
    expect(refused).toMatchObject({ status: 400, message: expect.stringContaining('cart is full') });
    expect((await visitor.request(sessions, readState)).cart).toHaveLength(MAX_CART_ITEMS);
    expect(await visitor.request(sessions, increment), 'the session still saves').toEqual({ count: 1 });
  });

  it('parallel adds into an almost full cart stop at the limit', async () => {
    const sessions = manager();
    const visitor = new Visitor();
    for (let i = 0; i < MAX_CART_ITEMS - 2; i++)
      await visitor.request(sessions, (s) => addToCart(s, { item: 'a' }));
    const results = await visitor.request(sessions, (s) =>
      Promise.allSettled(Array.from({ length: 5 }, () => addToCart(s, { item: 'b' }))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    expect((await visitor.request(sessions, readState)).cart).toHaveLength(MAX_CART_ITEMS);
  });
});

describe('login()', () => {
  it.each([
    [{ username: 'alice', password: 'bob-secret' }],
    [{ username: 'carol', password: 'alice-secret' }],
    [{ username: 'alice' }],
    [{ username: ['alice'], password: 'alice-secret' }],
    [null],
  ])('refuses %j with 401 and binds nobody', async (body) => {
    const sessions = manager();
    const visitor = new Visitor();
    await expect(visitor.request(sessions, (s) => login(s, body))).rejects.toMatchObject({ status: 401 });
    expect((await visitor.request(sessions, readState)).user).toBeNull();
  });

  it('regenerates the id, binds the user, keeps the data and queues one welcome', async () => {
    const sessions = manager();
    const visitor = new Visitor();
    await visitor.request(sessions, increment);
    const before = visitor.cookie;
    expect(await visitor.request(sessions, (s) => login(s, ALICE))).toEqual({ user: 'alice' });
    expect(visitor.cookie).not.toBe(before);
    expect(await visitor.request(sessions, readState)).toEqual({
      user: 'alice',
      count: 1,
      cart: [],
      flash: ['Welcome, alice'],
    });
    expect((await visitor.request(sessions, readState)).flash).toEqual([]);
    const old = new Visitor();
    old.cookie = before;
    expect(await old.request(sessions, readState)).toEqual({ user: null, count: 0, cart: [], flash: [] });
  });
});

describe('logout()', () => {
  it('destroys the session and expires the cookie', async () => {
    const sessions = manager();
    const visitor = new Visitor();
    await visitor.request(sessions, (s) => login(s, { username: 'bob', password: 'bob-secret' }));
    const signedIn = visitor.cookie;
    expect(await visitor.request(sessions, logout)).toBeUndefined();
    expect(visitor.cookie).toBeUndefined();
    const replay = new Visitor();
    replay.cookie = signedIn;
    expect((await replay.request(sessions, readState)).user).toBeNull();
  });
});

describe('listSessions() and revokeOthers()', () => {
  it('answer 401 when signed out', async () => {
    const sessions = manager();
    await expect(new Visitor().request(sessions, listSessions)).rejects.toMatchObject({ status: 401 });
    await expect(new Visitor().request(sessions, revokeOthers)).rejects.toMatchObject({ status: 401 });
  });

  it('list the user’s sessions with the current one marked, and revoke the others', async () => {
    const sessions = manager();
    const [phone, laptop, tablet] = [new Visitor(), new Visitor(), new Visitor()];
    for (const device of [phone, laptop, tablet]) await device.request(sessions, (s) => login(s, ALICE));
    await new Visitor().request(sessions, (s) => login(s, { username: 'bob', password: 'bob-secret' }));
    const listed = await phone.request(sessions, listSessions);
    expect(listed).toHaveLength(3);
    expect(listed.filter((s) => s.current)).toHaveLength(1);
    for (const s of listed) expect(new Date(s.createdAt).toISOString()).toBe(s.createdAt);
    expect(await laptop.request(sessions, revokeOthers)).toEqual({ revoked: 2 });
    expect((await phone.request(sessions, readState)).user).toBeNull();
    expect(await laptop.request(sessions, listSessions)).toEqual([
      { current: true, createdAt: expect.any(String) },
    ]);
  });

  it('answer 501 on a store without the per-user index (as Memcached)', async () => {
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
    await visitor.request(sessions, (s) => login(s, ALICE));
    await expect(visitor.request(sessions, listSessions)).rejects.toMatchObject({ status: 501 });
    await expect(visitor.request(sessions, revokeOthers)).rejects.toMatchObject({ status: 501 });
  });
});
