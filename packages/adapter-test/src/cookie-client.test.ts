import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieClient } from './cookie-client.ts';
import { listen, type Running } from './test-server.ts';

// A tiny app: /set?c=<Set-Cookie line> answers that header; /echo answers the Cookie header it got.
function app(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/set') res.setHeader('set-cookie', url.searchParams.getAll('c'));
  if (url.pathname === '/text') {
    res.end('plain');
    return;
  }
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ cookie: req.headers.cookie ?? null }));
}

const set = (...lines: string[]): string =>
  `/set?${lines.map((line) => `c=${encodeURIComponent(line)}`).join('&')}`;

describe('CookieClient', () => {
  let one: Running;
  let two: Running;
  beforeAll(async () => {
    [one, two] = await Promise.all([listen(app), listen(app)]);
  });
  afterAll(async () => {
    await Promise.all([one.close(), two.close()]);
  });

  it('keeps what the app sets, sends it back, and forgets a cookie the app expires', async () => {
    const user = new CookieClient(one.url);
    const reply = await user.get(
      set('sid=abc.def; Path=/; HttpOnly; SameSite=Lax', 'theme=dark; Max-Age=60'),
    );
    expect(reply.setCookies.map((cookie) => [cookie.name, cookie.value])).toEqual([
      ['sid', 'abc.def'],
      ['theme', 'dark'],
    ]);
    expect((await user.get('/echo')).body).toEqual({ cookie: 'sid=abc.def; theme=dark' });
    await user.get(set('theme=; Max-Age=0', 'sid=; Expires=Thu, 01 Jan 1970 00:00:00 GMT'));
    expect(user.cookies().size).toBe(0);
    expect((await user.get('/echo')).body).toEqual({ cookie: null });
  });

  it('shares its jar with at() (cookies are not isolated by port) and copies it with snapshot()', async () => {
    const user = new CookieClient(one.url);
    await user.get(set('sid=first'));
    const elsewhere = user.at(two.url);
    const before = user.snapshot();
    expect((await elsewhere.get('/echo')).body).toEqual({ cookie: 'sid=first' });
    await elsewhere.get(set('sid=second'));
    expect(user.cookie).toBe('sid=second');
    expect([...before.cookies()]).toEqual([['sid', 'first']]);
  });

  it('takes a Cookie header by hand, and a request header overrides the jar', async () => {
    const user = new CookieClient(one.url);
    user.cookie = 'sid=forged; other=1';
    expect((await user.get('/echo')).body).toEqual({ cookie: 'sid=forged; other=1' });
    expect((await user.get('/echo', { headers: { cookie: 'x=y' } })).body).toEqual({ cookie: 'x=y' });
  });

  it('fetch() sends and keeps cookies for any origin, leaving the body unread', async () => {
    const browser = new CookieClient(one.url);
    const response = await browser.fetch(`${two.url}${set('sid=fetched')}`);
    expect(response.bodyUsed).toBe(false);
    await response.text();
    const echoed = await browser.fetch(`${one.url}/echo`, { headers: { accept: 'application/json' } });
    expect(await echoed.json()).toEqual({ cookie: 'sid=fetched' });
  });

  it('reads bodies: JSON parsed, text kept, json() naming a body that is not JSON', async () => {
    const user = new CookieClient(one.url);
    const text = await user.get('/text');
    expect(text.body).toBe('plain');
    expect(text.text).toBe('plain');
    expect(() => text.json()).toThrow(/GET \/text answered 200 with a body that is not JSON: plain/);
  });
});
