import { memoryStore } from '@cloakroom/session-core';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CsrfMiddlewareOptions, csrf } from './csrf.ts';
import { type SessionEnv, type SessionOptions, session } from './session.ts';
import { cookieOf, listen, type Running, SECRET } from './testing/test-support.ts';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

function build(
  options?: CsrfMiddlewareOptions,
  sessionOptions: Partial<SessionOptions> = {},
): Hono<SessionEnv> {
  const app = new Hono<SessionEnv>();
  app.use(
    session({
      store: memoryStore({ warn: false }),
      secret: SECRET,
      cookie: { secure: false },
      ...sessionOptions,
    }),
  );
  app.use(csrf(options));
  app.get('/form', async (c) => c.json({ token: await c.get('session').csrfToken() }));
  app.post('/submit', async (c) => {
    const type = c.req.header('content-type') ?? '';
    const body = type.includes('form') ? await c.req.parseBody() : null;
    return c.json({ ok: true, body });
  });
  return app;
}

async function tokenFor(app: Hono<SessionEnv>): Promise<{ cookie: string; token: string }> {
  const form = await app.request('/form');
  return { cookie: cookieOf(form), token: ((await form.json()) as { token: string }).token };
}

describe('csrf()', () => {
  let server: Running;
  let cookie: string;
  let token: string;

  beforeAll(async () => {
    server = await listen(build().fetch);
    const form = await fetch(`${server.url}/form`);
    cookie = cookieOf(form);
    token = ((await form.json()) as { token: string }).token;
  });
  afterAll(() => server.close());

  const post = (headers: Record<string, string>, body?: BodyInit) =>
    fetch(`${server.url}/submit`, { method: 'POST', headers: { cookie, ...headers }, body: body ?? null });

  it('refuses a form post without the token with 403', async () => {
    const response = await post(FORM, 'title=hi');
    expect(response.status).toBe(403);
    expect(await response.text()).toBe('Forbidden: cross-site request refused.');
  });

  it('refuses a form post with a wrong token', async () => {
    expect((await post(FORM, `title=hi&_csrf=${'x'.repeat(token.length)}`)).status).toBe(403);
  });

  it('accepts a form post with the token, and the handler can still parse the body', async () => {
    const response = await post(
      { ...FORM, origin: server.url },
      `title=hi&_csrf=${encodeURIComponent(token)}`,
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, body: { title: 'hi', _csrf: token } });
  });

  it('accepts a multipart form post with the token', async () => {
    const body = new FormData();
    body.set('_csrf', token);
    body.set('title', 'multi');
    const response = await fetch(`${server.url}/submit`, { method: 'POST', headers: { cookie }, body });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, body: { title: 'multi', _csrf: token } });
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

  it('refuses a text/plain post without the header token', async () => {
    expect((await post({ 'content-type': 'text/plain' }, `_csrf=${token}`)).status).toBe(403);
  });

  it('lets safe methods through untouched', async () => {
    const response = await fetch(`${server.url}/form`, { headers: { origin: 'https://evil.example' } });
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
});

describe('csrf() options', () => {
  it("requires the token on every unsafe request with requireToken: 'all', and honours allowedOrigins", async () => {
    const app = build({ requireToken: 'all', allowedOrigins: ['https://admin.example'] });
    const { cookie, token } = await tokenFor(app);
    const headers = { cookie, 'content-type': 'application/json', origin: 'https://admin.example' };
    expect((await app.request('/submit', { method: 'POST', headers, body: '{}' })).status).toBe(403);
    const withToken = { ...headers, 'x-csrf-token': token };
    expect((await app.request('/submit', { method: 'POST', headers: withToken, body: '{}' })).status).toBe(
      200,
    );
  });

  it('reads its own origin from the forwarded proto and host only with trustProxy', async () => {
    const forwarded = {
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'shop.example',
      origin: 'https://shop.example',
    };
    const trusted = build({}, { trustProxy: true });
    const one = await tokenFor(trusted);
    const body = `_csrf=${encodeURIComponent(one.token)}`;
    const init = (cookie: string) => ({ method: 'POST', headers: { ...FORM, ...forwarded, cookie }, body });
    expect((await trusted.request('http://internal:8080/submit', init(one.cookie))).status).toBe(200);

    const untrusted = build();
    const two = await tokenFor(untrusted);
    const again = { ...init(two.cookie), body: `_csrf=${encodeURIComponent(two.token)}` };
    expect((await untrusted.request('http://internal:8080/submit', again)).status).toBe(403);
  });

  it('uses the custom field and header names', async () => {
    const app = build({ field: 'authenticity', header: 'x-token' });
    const { cookie, token } = await tokenFor(app);
    const form = { ...FORM, cookie };
    const viaField = await app.request('/submit', {
      method: 'POST',
      headers: form,
      body: `authenticity=${encodeURIComponent(token)}`,
    });
    expect(viaField.status).toBe(200);
    const viaHeader = await app.request('/submit', {
      method: 'POST',
      headers: { ...form, 'x-token': token },
      body: 'a=1',
    });
    expect(viaHeader.status).toBe(200);
    const oldName = await app.request('/submit', {
      method: 'POST',
      headers: form,
      body: `_csrf=${encodeURIComponent(token)}`,
    });
    expect(oldName.status).toBe(403);
  });

  it('fails loudly when session() did not run first', async () => {
    const app = new Hono();
    app.use(csrf());
    app.onError((error, c) => c.text(String((error as { code?: string }).code), 500));
    app.post('/', (c) => c.text('never'));
    const response = await app.request('/', { method: 'POST' });
    expect(await response.text()).toBe('SESSION_USAGE');
  });
});
