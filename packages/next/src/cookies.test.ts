import { type CookieOptions, createSessionManager, memoryStore } from '@cloakroom/session-core';
import { stringifyCookie } from 'next/dist/compiled/@edge-runtime/cookies/index.js';
import { describe, expect, it } from 'vitest';
import { hasCookie, parseSetCookie } from './cookies.ts';

const secret = 'a-test-secret-that-is-long-enough-0123456789';

async function coreSetCookie(cookie: CookieOptions, destroy = false): Promise<string> {
  const manager = createSessionManager({
    store: memoryStore({ warn: false, sweepInterval: 0 }),
    secret,
    cookie,
  });
  const first = manager.open({ cookie: null, secure: true });
  first.session.set('a', 1);
  const created = (await first.commit()).setCookie!;
  if (!destroy) return created;
  const second = manager.open({ cookie: created.split(';')[0]!, secure: true });
  second.session.destroy();
  return (await second.commit()).setCookie!;
}

function attributes(header: string): Map<string, string> {
  const [, ...parts] = header.split(';');
  return new Map(
    parts.map((part) => {
      const [key = '', ...rest] = part.trim().split('=');
      return [key.toLowerCase(), rest.join('=').toLowerCase()];
    }),
  );
}

describe('parseSetCookie()', () => {
  it.each([
    ['the defaults', {}],
    [
      'a domain, a path, strict and no HttpOnly',
      { name: 'sid', domain: 'example.com', path: '/app', sameSite: 'strict', httpOnly: false },
    ],
    ['SameSite=None and Partitioned', { sameSite: 'none', partitioned: true }],
    ['a browser-session cookie', { maxAge: 'session' }],
  ] as const)('round-trips %s through Next’s serializer with the same attributes', async (_label, cookie) => {
    const header = await coreSetCookie(cookie);
    const parsed = parseSetCookie(header);
    const again = stringifyCookie(parsed);
    expect(again.split(';')[0]).toBe(header.split(';')[0]);
    const before = attributes(header);
    const after = attributes(again);
    // Next adds Expires (= now + Max-Age) to a cookie with a Max-Age; every other attribute is the same.
    if (before.has('max-age')) after.delete('expires');
    expect(after).toEqual(before);
  });

  it('keeps the name, the empty value, Max-Age=0 and the 1970 Expires of a deletion', async () => {
    const header = await coreSetCookie({ domain: 'example.com', secure: true, name: 'sid' }, true);
    const parsed = parseSetCookie(header);
    expect(parsed).toMatchObject({ name: 'sid', value: '', maxAge: 0, domain: 'example.com', path: '/' });
    expect(parsed.expires?.getTime()).toBe(0);
    expect(attributes(stringifyCookie(parsed))).toEqual(attributes(header));
  });

  it('refuses a string that is not a cookie', () => {
    expect(() => parseSetCookie('no-equals-sign')).toThrow(/not a Set-Cookie/);
  });
});

describe('hasCookie()', () => {
  it('finds the name as sent, without decoding, among other cookies', () => {
    expect(hasCookie('a=1; __Host-session=x.y; b=2', '__Host-session')).toBe(true);
    expect(hasCookie('a=1;sid=', 'sid')).toBe(true);
    expect(hasCookie('xsid=1; sidx=2', 'sid')).toBe(false);
    expect(hasCookie('%73id=1', 'sid')).toBe(false);
    expect(hasCookie(null, 'sid')).toBe(false);
    expect(hasCookie('', 'sid')).toBe(false);
  });

  it('trims only SP and HTAB around a name (RFC 6265), never Unicode spaces', () => {
    expect(hasCookie('a=1; \t sid =x', 'sid')).toBe(true);
    for (const space of ['\u00a0', '\u2028', '\ufeff', '\u3000', '\v', '\f']) {
      expect(hasCookie(`${space}sid=x`, 'sid'), JSON.stringify(space)).toBe(false);
      expect(hasCookie(`a=1; sid${space}=x`, 'sid'), JSON.stringify(space)).toBe(false);
    }
  });
});
