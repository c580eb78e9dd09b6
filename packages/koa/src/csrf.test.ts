import { memoryStore } from '@cloakroom/session-core';
import Koa from 'koa';
import Koa2 from 'koa2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CsrfMiddlewareOptions, csrf } from './csrf.ts';
import { session } from './session.ts';
import { cookieOf, listen, type Running, SECRET } from './testing/test-support.ts';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe.each([
  ['Koa 3', Koa],
  ['Koa 2', Koa2],
] as const)('csrf() on %s', (_name, KoaClass) => {
  async function start(options?: CsrfMiddlewareOptions, proxy = false): Promise<Running> {
    const app = new KoaClass();
    app.silent = true;
    app.proxy = proxy;
    app.use(session({ store: memoryStore({ warn: false }), secret: SECRET, cookie: { secure: false } }));
    app.use(csrf(options));
    app.use(async (ctx) => {
      if (ctx.path === '/form') {
        ctx.body = { token: await ctx.session.csrfToken() };
      } else {
        ctx.body = { ok: true, body: (ctx.request as { body?: unknown }).body ?? null };
      }
    });
    return listen(app.callback());
  }

  let server: Running;
  let cookie: string;
  let token: string;

  beforeAll(async () => {
    server = await start();
    const form = await fetch(`${server.url}/form`);
    cookie = cookieOf(form);
    token = ((await form.json()) as { token: string }).token;
  });
  afterAll(() => server.close());

  const post = (headers: Record<string, string>, body?: string) =>
    fetch(`${server.url}/submit`, { method: 'POST', headers: { cookie, ...headers }, body: body ?? null });

  it('refuses a form post without the token with 403', async () => {
    const response = await post(FORM, 'title=hi');
    expect(response.status).toBe(403);
    expect(await response.text()).toBe('Forbidden: cross-site request refused.');
  });

  it('refuses a form post with a wrong token', async () => {
    expect((await post(FORM, `title=hi&_csrf=${'x'.repeat(token.length)}`)).status).toBe(403);
  });

  it('accepts a form post with the token and leaves the parsed fields for the handler', async () => {
    const response = await post(
      { ...FORM, origin: server.url },
      `title=hi&_csrf=${encodeURIComponent(token)}`,
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, body: { title: 'hi', _csrf: token } });
  });

  it('refuses a foreign Origin even with the right token', async () => {
    const response = await post(
      { ...FORM, origin: 'https://evil.example' },
      `_csrf=${encodeURIComponent(token)}`,
    );
    expect(response.status).toBe(403);
  });

  it('refuses a cross-site Sec-Fetch-Site without Origin', async () => {
    const response = await post({ 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }, '{}');
    expect(response.status).toBe(403);
  });

  it('accepts a same-origin JSON request without a token (browsers preflight it cross-site)', async () => {
    const response = await post({ 'content-type': 'application/json', origin: server.url }, '{}');
    expect(response.status).toBe(200);
  });

  it('accepts the token in the x-csrf-token header', async () => {
    const response = await post({ 'content-type': 'text/plain', 'x-csrf-token': token }, 'hello');
    expect(response.status).toBe(200);
  });

  it('lets safe methods through untouched', async () => {
    const response = await fetch(`${server.url}/anything`, { headers: { origin: 'https://evil.example' } });
    expect(response.status).toBe(200);
  });

  it('refuses a form post without a session (no token can match)', async () => {
    const response = await fetch(`${server.url}/submit`, {
      method: 'POST',
      headers: FORM,
      body: '_csrf=abc',
    });
    expect(response.status).toBe(403);
  });

  it('does not read a body over bodyLimit, and refuses it', async () => {
    const small = await start({ bodyLimit: 16 });
    try {
      const form = await fetch(`${small.url}/form`);
      const own = ((await form.json()) as { token: string }).token;
      const response = await fetch(`${small.url}/submit`, {
        method: 'POST',
        headers: { ...FORM, cookie: cookieOf(form) },
        body: `_csrf=${encodeURIComponent(own)}&pad=${'x'.repeat(300_000)}`,
      });
      expect(response.status).toBe(403);
      // The connection still serves the next request.
      expect((await fetch(`${small.url}/form`)).status).toBe(200);
    } finally {
      await small.close();
    }
  });

  it("requires the token on every unsafe request with requireToken: 'all', and honours allowedOrigins", async () => {
    const strict = await start({ requireToken: 'all', allowedOrigins: ['https://admin.example'] });
    try {
      const form = await fetch(`${strict.url}/form`);
      const own = ((await form.json()) as { token: string }).token;
      const headers = {
        cookie: cookieOf(form),
        'content-type': 'application/json',
        origin: 'https://admin.example',
      };
      expect((await fetch(`${strict.url}/x`, { method: 'POST', headers, body: '{}' })).status).toBe(403);
      const withToken = { ...headers, 'x-csrf-token': own };
      expect(
        (await fetch(`${strict.url}/x`, { method: 'POST', headers: withToken, body: '{}' })).status,
      ).toBe(200);
    } finally {
      await strict.close();
    }
  });

  it('reads its own origin from X-Forwarded-Proto and -Host only when app.proxy is true', async () => {
    const forwarded = {
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'shop.example',
      origin: 'https://shop.example',
    };
    for (const proxy of [true, false]) {
      const app = await start(undefined, proxy);
      try {
        const form = await fetch(`${app.url}/form`);
        const own = ((await form.json()) as { token: string }).token;
        const response = await fetch(`${app.url}/submit`, {
          method: 'POST',
          headers: { ...FORM, ...forwarded, cookie: cookieOf(form) },
          body: `_csrf=${encodeURIComponent(own)}`,
        });
        expect(response.status, `app.proxy = ${proxy}`).toBe(proxy ? 200 : 403);
      } finally {
        await app.close();
      }
    }
  });

  it('refuses a bad bodyLimit when built', () => {
    expect(() => csrf({ bodyLimit: -1 })).toThrow(expect.objectContaining({ code: 'SESSION_CONFIG' }));
  });
});
