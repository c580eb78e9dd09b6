// Issue 14 items 1 and 2: a form for an anonymous visitor costs no store record, and the CSRF token
// changes at sign-in.
import { describe, expect, it } from 'vitest';
import { cookiePair, setup, write } from './test-harness.ts';

const CSRF_COOKIE = '__Host-session-csrf';

/** The `name=value` pairs of a commit's cookies, as a browser would send them back (cleared ones dropped). */
function jar(cookies: readonly string[], before = ''): string {
  const pairs = new Map(
    before
      .split(';')
      .map((pair) => pair.trim())
      .filter((pair) => pair !== '')
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair] as const),
  );
  for (const cookie of cookies) {
    const pair = cookie.split(';')[0]!;
    const name = pair.slice(0, pair.indexOf('='));
    if (/max-age=0/i.test(cookie)) pairs.delete(name);
    else pairs.set(name, pair);
  }
  return [...pairs.values()].join('; ');
}

describe('session.csrfToken() for a visitor without a session', () => {
  it('writes nothing to the store: the token rides in a signed cookie with the session cookie’s attributes', async () => {
    const h = setup();
    const handle = h.manager.open({ cookie: null, secure: true });
    const token = await handle.session.csrfToken();
    const result = await handle.commit({ status: 200 });
    expect(h.total(), 'no store call at all').toBe(0);
    expect(h.memory.size).toBe(0);
    expect(result.setCookie, 'no session cookie').toBeNull();
    expect(result.cookies).toHaveLength(1);
    const [cookie] = result.cookies;
    expect(cookie).toMatch(new RegExp(`^${CSRF_COOKIE}=${token}\\.[A-Za-z0-9_-]{43};`));
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Domain=/);
    expect(result.headers).toContainEqual(['Cache-Control', 'private, no-store']);
  });

  it('200 cookieless page views with a form leave the store empty', async () => {
    const h = setup();
    for (let i = 0; i < 200; i++) {
      const handle = h.manager.open({ cookie: null, secure: true });
      await handle.session.csrfToken();
      await handle.commit({ status: 200 });
    }
    expect(h.memory.size).toBe(0);
    expect(h.total()).toBe(0);
  });

  it('the same token on the next requests, which verify it; no new cookie while it is carried', async () => {
    const h = setup();
    const first = h.manager.open({ cookie: null, secure: true });
    const token = await first.session.csrfToken();
    const cookie = jar((await first.commit({ status: 200 })).cookies);
    const next = h.manager.open({ cookie, secure: true });
    expect(await next.session.csrfToken()).toBe(token);
    expect(await next.session.verifyCsrfToken(token)).toBe(true);
    expect(await next.session.verifyCsrfToken(`${token.slice(0, -1)}A`)).toBe(token.endsWith('A'));
    expect((await next.commit({ status: 200 })).cookies).toEqual([]);
    expect(h.memory.size).toBe(0);
  });

  it('a forged, re-signed-for-another-name or tampered cookie verifies nothing', async () => {
    const h = setup();
    const first = h.manager.open({ cookie: null, secure: true });
    const token = await first.session.csrfToken();
    const pair = jar((await first.commit({ status: 200 })).cookies);
    const value = pair.slice(pair.indexOf('=') + 1);
    // The session cookie's signature does not open the CSRF cookie: purposes and names are bound in.
    const { cookie: session } = await write(h.manager, null, (s) => s.set('x', 1));
    const sessionValue = session!.slice(session!.indexOf('=') + 1);
    for (const cookie of [
      `${CSRF_COOKIE}=${token}.${'A'.repeat(43)}`,
      `${CSRF_COOKIE}=${sessionValue}`,
      `other-csrf=${value}`,
      `${CSRF_COOKIE}=${value}x`,
    ]) {
      const handle = h.manager.open({ cookie, secure: true });
      expect(await handle.session.verifyCsrfToken(token), cookie).toBe(false);
    }
  });

  it('carries into the session on its first write, and the anonymous cookie is cleared', async () => {
    const h = setup();
    const first = h.manager.open({ cookie: null, secure: true });
    const token = await first.session.csrfToken();
    let cookie = jar((await first.commit({ status: 200 })).cookies);
    const cart = h.manager.open({ cookie, secure: true });
    expect(await cart.session.verifyCsrfToken(token)).toBe(true);
    cart.session.set('cart', ['tea']);
    const result = await cart.commit({ status: 200 });
    expect(result.cookies.some((c) => c.startsWith(`${CSRF_COOKIE}=;`))).toBe(true);
    cookie = jar(result.cookies, cookie);
    expect(cookie).not.toContain(CSRF_COOKIE);
    const later = h.manager.open({ cookie, secure: true });
    expect(await later.session.csrfToken(), 'forms rendered before still post').toBe(token);
    expect(await later.session.verifyCsrfToken(token)).toBe(true);
  });

  it('is ignored once a stored session exists: a token planted in that cookie does not verify', async () => {
    const h = setup();
    const planted = h.manager.open({ cookie: null, secure: true });
    const token = await planted.session.csrfToken();
    const plantedPair = jar((await planted.commit({ status: 200 })).cookies);
    const { cookie: session } = await write(h.manager, null, (s) => s.set('x', 1));
    const handle = h.manager.open({ cookie: `${session}; ${plantedPair}`, secure: true });
    expect(await handle.session.verifyCsrfToken(token)).toBe(false);
    const result = await handle.commit({ status: 200 });
    expect(
      result.cookies.some((c) => c.startsWith(`${CSRF_COOKIE}=;`)),
      'and cleared',
    ).toBe(true);
  });

  it('keeps a custom name’s prefix: __Secure-sid → __Secure-sid-csrf', async () => {
    const h = setup({ cookie: { name: '__Secure-sid' } });
    const handle = h.manager.open({ cookie: null, secure: true });
    await handle.session.csrfToken();
    expect((await handle.commit({ status: 200 })).cookies[0]).toMatch(/^__Secure-sid-csrf=/);
  });
});

describe('session.regenerate() rotates the CSRF token', () => {
  it('a token learned before sign-in (stored session) is void after it', async () => {
    const h = setup();
    const { cookie } = await write(h.manager, null, (s) => s.set('x', 1));
    const before = h.manager.open({ cookie, secure: true });
    const old = await before.session.csrfToken();
    await before.commit({ status: 200 });
    const login = h.manager.open({ cookie, secure: true });
    expect(await login.session.verifyCsrfToken(old)).toBe(true);
    login.session.setUser('alice');
    login.session.regenerate();
    const fresh = await login.session.csrfToken();
    expect(fresh).not.toBe(old);
    const signedIn = cookiePair((await login.commit({ status: 200 })).setCookie);
    const after = h.manager.open({ cookie: signedIn, secure: true });
    expect(await after.session.verifyCsrfToken(old)).toBe(false);
    expect(await after.session.verifyCsrfToken(fresh)).toBe(true);
  });

  it('a token from the anonymous cookie is void after sign-in, and the cookie is cleared', async () => {
    const h = setup();
    const page = h.manager.open({ cookie: null, secure: true });
    const old = await page.session.csrfToken();
    const cookie = jar((await page.commit({ status: 200 })).cookies);
    const login = h.manager.open({ cookie, secure: true });
    expect(await login.session.verifyCsrfToken(old)).toBe(true);
    login.session.setUser('alice');
    login.session.regenerate();
    const result = await login.commit({ status: 200 });
    expect(result.cookies.some((c) => c.startsWith(`${CSRF_COOKIE}=;`))).toBe(true);
    const after = h.manager.open({ cookie: jar(result.cookies, cookie), secure: true });
    expect(await after.session.getUser()).toBe('alice');
    expect(await after.session.verifyCsrfToken(old)).toBe(false);
    expect(await after.session.csrfToken()).not.toBe(old);
  });
});
