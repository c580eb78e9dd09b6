// The JSON and form contract of issue 8, over HTTP: every assertion is something a client can observe.
// Registered by contract.test.ts for each demo on its default (SQLite) store, and by cluster.test.ts for
// each demo on a private Redis Cluster.
import { CookieClient } from '@cloakroom/session-adapter-test';
import { describe, expect, it } from 'vitest';
import { csrfTokenOf, type DemoState } from './client.ts';
import type { Demo } from './demos.ts';
import {
  ABSOLUTE_TIMEOUT,
  expectError,
  IDLE_TIMEOUT,
  idOf,
  onlyCookie,
  signIn,
  state,
  tokens,
} from './fixtures.ts';

const EMPTY: DemoState = { user: null, count: 0, cart: [], flash: [] };
const FOREIGN = 'https://evil.example';

/** A running demo the contract is checked against, and how many session records its store holds. */
export interface ContractTarget {
  readonly baseUrl: string;
  stored(): Promise<number>;
}

/** Registers the contract's describe blocks (call it inside a describe that starts the demo). */
export function describeContract(demo: Demo, target: () => ContractTarget): void {
  const agent = () => new CookieClient(target().baseUrl);
  describe('GET /healthz', () => {
    it('answers 200 ok and never sets a cookie, signed in or not', async () => {
      const anonymous = await agent().get('/healthz');
      expect(anonymous.status).toBe(200);
      expect(anonymous.text.trim()).toBe('ok');
      expect(anonymous.setCookies).toEqual([]);
      const user = agent();
      await signIn(user);
      const signedIn = await user.get('/healthz');
      expect(signedIn.status).toBe(200);
      expect(signedIn.setCookies).toEqual([]);
    });
  });

  describe('requests that must not create a session', () => {
    it('a flood without a cookie, refused writes and failed sign-ins store nothing and set no cookie', async () => {
      const before = await target().stored();
      const replies = await Promise.all([
        ...Array.from({ length: 20 }, () => agent().get('/api/session')),
        ...Array.from({ length: 5 }, () => agent().get('/healthz')),
        agent().get('/api/sessions'),
        agent().post('/api/sessions/revoke-others'),
        agent().post('/api/logout'),
        agent().post('/api/login', { json: { username: 'alice', password: 'nope' } }),
        agent().post('/api/cart', { json: { item: '' } }),
        agent().post('/api/count', { headers: { origin: FOREIGN } }),
      ]);
      for (const reply of replies) expect(reply.setCookies, `${reply.status} ${reply.text}`).toEqual([]);
      expect(await target().stored()).toBe(before);
    });
  });

  describe('GET /api/session', () => {
    it('without a cookie: the empty state, and no cookie set (reads are lazy)', async () => {
      const reply = await agent().get('/api/session');
      expect(reply.status).toBe(200);
      expect(reply.json()).toEqual(EMPTY);
      expect(reply.setCookies).toEqual([]);
    });

    it('with a cookie the server did not issue: the empty state, never that session', async () => {
      const owner = agent();
      await owner.post('/api/count');
      const [name, value] = [...owner.cookies()][0]!;
      const [id = '', signature = ''] = value.split('.');
      for (const forged of [id, `${id}.${'A'.repeat(signature.length)}`, `${value}A`, 'garbage']) {
        const forger = new CookieClient(target().baseUrl);
        forger.cookie = `${name}=${forged}`;
        const reply = await forger.get('/api/session');
        expect(reply.status, forged).toBe(200);
        expect(reply.json(), forged).toEqual(EMPTY);
      }
    });
  });

  describe('POST /api/count', () => {
    it('increments; the first write sets the session cookie as configured', async () => {
      const user = agent();
      const first = await user.post('/api/count');
      expect(first.status, first.text).toBe(200);
      expect(first.json()).toEqual({ count: 1 });
      const cookie = onlyCookie(first);
      expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]+$/);
      expect(cookie.attributes.get('path')).toBe('/');
      expect(cookie.attributes.has('httponly')).toBe(true);
      expect(String(cookie.attributes.get('samesite')).toLowerCase()).toBe('lax');
      expect(cookie.attributes.has('secure'), 'SESSION_COOKIE_SECURE=false on plain HTTP').toBe(false);
      expect(cookie.attributes.has('domain')).toBe(false);
      expect(Number(cookie.attributes.get('max-age')), 'SESSION_IDLE_TIMEOUT is honoured').toBe(
        Math.min(IDLE_TIMEOUT, ABSOLUTE_TIMEOUT),
      );
      expect(tokens(first, 'vary')).toContain('cookie');
      expect(tokens(first, 'cache-control')).toEqual(expect.arrayContaining(['private', 'no-store']));
      const second = await user.post('/api/count');
      expect(second.json()).toEqual({ count: 2 });
      expect(await state(user)).toEqual({ ...EMPTY, count: 2 });
    });

    it('parallel increments on one session all land', async () => {
      const user = agent();
      await user.post('/api/count');
      const replies = await Promise.all(Array.from({ length: 20 }, () => user.post('/api/count')));
      for (const reply of replies) expect(reply.status, reply.text).toBe(200);
      const counts = replies.map((reply) => reply.json<{ count: number }>().count).sort((a, b) => a - b);
      expect(counts, 'each increment saw its own value').toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
      expect((await state(user)).count).toBe(21);
    });
  });

  describe('POST /api/cart', () => {
    it('appends an item of 1 to 64 characters', async () => {
      const user = agent();
      expect((await user.post('/api/cart', { json: { item: 'tea' } })).json()).toEqual({ cart: ['tea'] });
      const long = 'é'.repeat(64);
      const reply = await user.post('/api/cart', { json: { item: long } });
      expect(reply.status, reply.text).toBe(200);
      expect(reply.json()).toEqual({ cart: ['tea', long] });
      expect((await state(user)).cart).toEqual(['tea', long]);
    });

    it('answers 400 with { error } for a missing, empty, too long or non-string item, and changes nothing', async () => {
      const user = agent();
      await user.post('/api/cart', { json: { item: 'kept' } });
      for (const body of [
        {},
        { item: '' },
        { item: 'x'.repeat(65) },
        { item: 42 },
        { item: ['a'] },
        { item: null },
      ]) {
        expectError(await user.post('/api/cart', { json: body }), 400);
      }
      expect((await state(user)).cart).toEqual(['kept']);
    });

    it('parallel adds on one session all land', async () => {
      const user = agent();
      await user.post('/api/cart', { json: { item: 'first' } });
      const items = Array.from({ length: 12 }, (_, index) => `item-${index}`);
      const replies = await Promise.all(items.map((item) => user.post('/api/cart', { json: { item } })));
      for (const reply of replies) expect(reply.status, reply.text).toBe(200);
      const { cart } = await state(user);
      expect(cart[0]).toBe('first');
      expect([...cart].sort()).toEqual(['first', ...items].sort());
    });
    it('answers 400 with { error } for a body that is not JSON', async () => {
      const reply = await agent().post('/api/cart', {
        headers: { 'content-type': 'application/json' },
        body: '{"item": ',
      });
      expectError(reply, 400);
      expect(reply.text).not.toMatch(/\n\s+at\s|node_modules|SyntaxError/);
      expect(reply.setCookies).toEqual([]);
    });
  });

  describe('POST /api/login', () => {
    it('answers 401 with { error } for bad credentials and leaves the session as it was', async () => {
      const user = agent();
      await user.post('/api/count');
      const cookie = [...user.cookies()];
      for (const body of [
        { username: 'alice', password: 'wrong' },
        { username: 'alice', password: 'bob-secret' },
        { username: 'mallory', password: 'mallory-secret' },
        { username: 'alice' },
        {},
      ]) {
        const reply = await user.post('/api/login', { json: body });
        expectError(reply, 401);
        expect(reply.setCookies, 'no new session for a failed sign-in').toEqual([]);
      }
      expect([...user.cookies()]).toEqual(cookie);
      expect(await state(user)).toEqual({ ...EMPTY, count: 1 });
    });

    it('regenerates the id: the old cookie is dead, the data stays, the user is bound, a welcome is flashed once', async () => {
      const user = agent();
      const before = onlyCookie(await user.post('/api/count'));
      await user.post('/api/cart', { json: { item: 'tea' } });
      const old = user.snapshot();
      const after = onlyCookie(await signIn(user, 'bob'));
      expect(after.name).toBe(before.name);
      expect(idOf(after.value)).not.toBe(idOf(before.value));
      expect(await state(user)).toEqual({ user: 'bob', count: 1, cart: ['tea'], flash: ['Welcome, bob'] });
      expect(await state(user), 'the flash is consumed by the read').toEqual({
        user: 'bob',
        count: 1,
        cart: ['tea'],
        flash: [],
      });
      expect(await state(old), 'the pre-login cookie no longer works').toEqual(EMPTY);
    });
  });

  describe('GET /api/sessions and POST /api/sessions/revoke-others', () => {
    it('answer 401 with { error } when signed out, with or without a session', async () => {
      expectError(await agent().get('/api/sessions'), 401);
      expectError(await agent().post('/api/sessions/revoke-others'), 401);
      const anonymous = agent();
      await anonymous.post('/api/count');
      expectError(await anonymous.get('/api/sessions'), 401);
      expectError(await anonymous.post('/api/sessions/revoke-others'), 401);
      expect((await state(anonymous)).count, 'still the same session').toBe(1);
    });

    it("list the user's sessions and sign the other devices out", async () => {
      const laptop = agent();
      await signIn(laptop, 'alice');
      // Other tests sign alice in too: start from this one device.
      expect((await laptop.post('/api/sessions/revoke-others')).status).toBe(200);
      const phone = agent();
      await signIn(phone, 'alice');
      await phone.post('/api/count');
      const listed = await laptop.get('/api/sessions');
      expect(listed.status, listed.text).toBe(200);
      const sessions = listed.json<Array<{ current: boolean; createdAt: string }>>();
      expect(sessions).toHaveLength(2);
      expect(sessions.filter((session) => session.current)).toHaveLength(1);
      for (const session of sessions) {
        expect(Object.keys(session).sort()).toEqual(['createdAt', 'current']);
        expect(new Date(session.createdAt).toISOString()).toBe(session.createdAt);
        expect(Math.abs(Date.parse(session.createdAt) - Date.now())).toBeLessThan(5 * 60_000);
      }
      const revoked = await laptop.post('/api/sessions/revoke-others');
      expect(revoked.status, revoked.text).toBe(200);
      expect(revoked.json()).toEqual({ revoked: 1 });
      expect((await state(phone)).user, 'the phone is signed out').toBeNull();
      expect((await state(phone)).count, 'and its session is gone').toBe(0);
      expect((await state(laptop)).user).toBe('alice');
      expect((await laptop.get('/api/sessions')).json()).toEqual([
        { current: true, createdAt: expect.any(String) },
      ]);
    });
  });

  describe('POST /api/logout', () => {
    it('destroys the session: 204, the cookie expired, the old cookie dead', async () => {
      const user = agent();
      await signIn(user);
      await user.post('/api/count');
      const old = user.snapshot();
      const stored = await target().stored();
      const reply = await user.post('/api/logout');
      expect(reply.status, reply.text).toBe(204);
      expect(reply.text).toBe('');
      const cleared = onlyCookie(reply);
      const expires = cleared.attributes.get('expires');
      expect(
        cleared.attributes.get('max-age') === '0' ||
          (typeof expires === 'string' && Date.parse(expires) <= Date.now()),
        cleared.raw,
      ).toBe(true);
      expect(tokens(reply, 'cache-control')).toContain('no-store');
      expect(user.cookies().size).toBe(0);
      expect(await state(old)).toEqual(EMPTY);
      expect(await target().stored(), 'the record is deleted').toBe(stored - 1);
      expect((await old.get('/api/sessions')).status).toBe(401);
    });
  });

  describe('CSRF', () => {
    it('refuses unsafe API requests from a foreign Origin with 403, and changes nothing', async () => {
      const user = agent();
      await user.post('/api/count');
      const foreign = { headers: { origin: FOREIGN } };
      expectError(await user.post('/api/count', foreign), 403);
      expectError(await user.post('/api/cart', { json: { item: 'stolen' }, ...foreign }), 403);
      expectError(
        await user.post('/api/login', { json: { username: 'alice', password: 'alice-secret' }, ...foreign }),
        403,
      );
      expectError(await user.post('/api/logout', foreign), 403);
      expect(await state(user)).toEqual({ ...EMPTY, count: 1 });
      const same = await user.post('/api/count', { headers: { origin: user.origin } });
      expect(same.status, 'a same-origin request is served').toBe(200);
      const read = await user.get('/api/session', foreign);
      expect(read.status, 'safe methods are never refused').toBe(200);
    });

    it('refuses a form post without the token, or with a wrong one, with 403', async () => {
      const user = agent();
      const page = await user.get('/');
      const origin = { origin: user.origin };
      expect((await user.post('/api/count', { form: {}, headers: origin })).status).toBe(403);
      expect((await user.post('/api/cart', { form: { item: 'x' }, headers: origin })).status).toBe(403);
      expect(await state(user)).toEqual(EMPTY);
      if ((demo.forms ?? 'api') !== 'api') return; // Server Actions: the page carries no _csrf field
      const token = csrfTokenOf(page.text);
      expect((await user.post('/api/count', { form: { _csrf: `${token}x` }, headers: origin })).status).toBe(
        403,
      );
      expect(
        (
          await new CookieClient(target().baseUrl).post('/api/count', {
            form: { _csrf: token },
            headers: origin,
          })
        ).status,
        "another session's token",
      ).toBe(403);
      expect(await state(user)).toEqual(EMPTY);
    });
  });

  // Forms that post to Server Actions carry no CSRF field: browser.test.ts drives them in Chromium and
  // packages/next/test/server-actions.test.ts proves a cross-site one refused. Nothing to run here.
  if ((demo.forms ?? 'api') === 'api') {
    describe('GET / and its forms', () => {
      it('renders the page with a _csrf token in every form', async () => {
        const user = agent();
        const page = await user.get('/');
        expect(page.status).toBe(200);
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
        expect(page.text).toContain(`Cloakroom demo · ${demo.framework}`);
        const forms = page.text.match(/<form\b/g) ?? [];
        const fields = page.text.match(/name="_csrf"/g) ?? [];
        expect(forms.length).toBeGreaterThanOrEqual(3);
        expect(fields.length).toBe(forms.length);
      });

      it('form posts with the token answer 303 to / and the page shows the result', async () => {
        const user = agent();
        const origin = { origin: user.origin };
        const token = csrfTokenOf((await user.get('/')).text);
        const counted = await user.post('/api/count', { form: { _csrf: token }, headers: origin });
        expect(counted.status, counted.text).toBe(303);
        expect(counted.headers.get('location')).toBe('/');
        const added = await user.post('/api/cart', {
          form: { _csrf: token, item: 'scarf' },
          headers: origin,
        });
        expect(added.status, added.text).toBe(303);
        const login = await user.post('/api/login', {
          form: { _csrf: token, username: 'alice', password: 'alice-secret' },
          headers: origin,
        });
        expect(login.status, login.text).toBe(303);
        expect(login.headers.get('location')).toBe('/');
        const page = await user.get('/');
        expect(page.text).toMatch(/data-test="user"[^>]*>alice</);
        expect(page.text).toMatch(/data-test="count"[^>]*>1</);
        expect(page.text).toContain('scarf');
        expect(page.text).toContain('Welcome, alice');
        expect((await user.get('/')).text, 'the flash shows once').not.toContain('Welcome, alice');
        const fresh = csrfTokenOf((await user.get('/')).text);
        const out = await user.post('/api/logout', { form: { _csrf: fresh }, headers: origin });
        expect(out.status, out.text).toBe(303);
        expect(await state(user)).toEqual(EMPTY);
      });
    });
  }
}
