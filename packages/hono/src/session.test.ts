import { memoryStore, SessionManager, SessionStoreError, webCryptoProvider } from '@cloakroom/session-core';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { stream } from 'hono/streaming';
import { afterEach, describe, expect, it } from 'vitest';
import { type SessionEnv, type SessionOptions, session } from './session.ts';
import { cookieOf, listen, probeStore, type Running, SECRET } from './testing/test-support.ts';

type Data = { name: string; user: string; n: number; streamed: boolean; half: string };

let running: Running[] = [];
afterEach(async () => {
  await Promise.all(running.map((server) => server.close()));
  running = [];
});

function build(options: Partial<SessionOptions> = {}): Hono<SessionEnv<Data>> {
  const app = new Hono<SessionEnv<Data>>();
  app.use(
    session<Data>({
      store: memoryStore({ warn: false }),
      secret: SECRET,
      cookie: { secure: false },
      ...options,
    }),
  );
  app.get('/set', (c) => {
    c.get('session').set('name', c.req.query('name') ?? '');
    return c.text('ok');
  });
  app.get('/get', async (c) => c.json({ name: (await c.get('session').get('name')) ?? null }));
  app.get('/ping', (c) => c.text('pong'));
  return app;
}

async function serve(app: Hono<SessionEnv<Data>>): Promise<string> {
  const server = await listen(app.fetch);
  running.push(server);
  return server.url;
}

describe('session() over HTTP (@hono/node-server)', () => {
  it('sets no cookie and touches no store for a request that never uses the session', async () => {
    const probe = probeStore();
    const url = await serve(build({ store: probe.store }));
    const response = await fetch(`${url}/ping`);
    expect(await response.text()).toBe('pong');
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(response.headers.get('vary')).toBeNull();
    expect(probe.calls).toEqual([]);
  });

  it('saves a write, sets the cookie with the configured attributes and reads it back', async () => {
    const url = await serve(build({ cookie: { secure: false, name: 'sid', sameSite: 'strict' } }));
    const first = await fetch(`${url}/set?name=ada`);
    const [setCookie] = first.headers.getSetCookie();
    expect(setCookie).toMatch(
      /^sid=[\w-]{43}\.[\w-]{43}; Max-Age=86400; Path=\/; HttpOnly; SameSite=Strict$/,
    );
    expect(first.headers.get('cache-control')).toBe('private, no-store');
    expect(first.headers.get('vary')).toBe('Cookie');
    const second = await fetch(`${url}/get`, { headers: { cookie: cookieOf(first) } });
    expect(await second.json()).toEqual({ name: 'ada' });
    expect(second.headers.get('vary')).toBe('Cookie');
  });

  it('appends its cookie beside the handler’s, adds Cookie to Vary once, and replaces Cache-Control', async () => {
    const app = build();
    app.get('/mixed', (c) => {
      c.header('Set-Cookie', 'theme=dark; Path=/', { append: true });
      c.header('Vary', 'Accept-Encoding');
      c.header('Cache-Control', 'public, max-age=600');
      c.get('session').set('n', 1);
      return c.text('ok');
    });
    app.get('/already', async (c) => {
      await c.get('session').get('n');
      return c.text('ok', 200, { Vary: 'cookie' });
    });
    const url = await serve(app);
    const response = await fetch(`${url}/mixed`);
    const cookies = response.headers.getSetCookie();
    expect(cookies).toHaveLength(2);
    expect(cookies[0]).toBe('theme=dark; Path=/');
    expect(response.headers.get('vary')).toBe('Accept-Encoding, Cookie');
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    const again = await fetch(`${url}/already`, {
      headers: { cookie: cookieOf(new Response(null, { headers: [['set-cookie', cookies[1]!]] })) },
    });
    expect(again.headers.get('vary')).toBe('cookie');
  });

  it('puts the cookie in the head of a streamed response', async () => {
    const app = build();
    app.get('/stream', (c) => {
      c.get('session').set('streamed', true);
      return stream(c, async (s) => {
        for (const part of ['a', 'b', 'c']) await s.write(part);
      });
    });
    const url = await serve(app);
    const response = await fetch(`${url}/stream`);
    expect(response.headers.getSetCookie()).toHaveLength(1);
    expect(await response.text()).toBe('abc');
  });

  it('has the store write done before a redirect reaches the client', async () => {
    const app = build();
    app.get('/login', (c) => {
      c.get('session').set('user', 'grace');
      return c.redirect('/me');
    });
    app.get('/me', async (c) => c.json({ user: (await c.get('session').get('user')) ?? null }));
    const url = await serve(app);
    const login = await fetch(`${url}/login`, { redirect: 'manual' });
    expect(login.status).toBe(302);
    const me = await fetch(`${url}/me`, { headers: { cookie: cookieOf(login) } });
    expect(await me.json()).toEqual({ user: 'grace' });
  });

  it('answers 503 without details when the store fails, in a handler or at commit, and recovers', async () => {
    const probe = probeStore();
    const url = await serve(build({ store: probe.store }));
    const cookie = cookieOf(await fetch(`${url}/set?name=ada`));
    probe.down = true;
    // /get fails in the handler's read; /set (a write, never read) fails at commit.
    for (const path of ['/get', '/set?name=bob']) {
      const failed = await fetch(`${url}${path}`, { headers: { cookie } });
      expect(failed.status).toBe(503);
      expect(await failed.text()).toBe('Service Unavailable');
      expect(failed.headers.getSetCookie()).toEqual([]);
    }
    probe.down = false;
    const back = await fetch(`${url}/get`, { headers: { cookie } });
    expect(await back.json()).toEqual({ name: 'ada' });
  });

  it('hands app.onError an HTTPException(503) whose cause is the SessionStoreError', async () => {
    const probe = probeStore();
    const app = build({ store: probe.store });
    const seen: unknown[] = [];
    app.onError((error, c) => {
      seen.push(error);
      return error instanceof HTTPException ? error.getResponse() : c.text('custom 500', 500);
    });
    const url = await serve(app);
    const cookie = cookieOf(await fetch(`${url}/set?name=ada`));
    probe.down = true;
    expect((await fetch(`${url}/get`, { headers: { cookie } })).status).toBe(503);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(HTTPException);
    expect((seen[0] as HTTPException).cause).toBeInstanceOf(SessionStoreError);
  });

  it('answers 413 with a JSON error for a session grown past maxPayloadBytes, and keeps the stored one', async () => {
    const url = await serve(build({ maxPayloadBytes: 1024 }));
    const cookie = cookieOf(await fetch(`${url}/set?name=ada`));
    const tooLarge = await fetch(`${url}/set?name=${'x'.repeat(2048)}`, { headers: { cookie } });
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toEqual({ error: expect.stringContaining('maxPayloadBytes') });
    expect(tooLarge.headers.getSetCookie()).toEqual([]);
    const after = await fetch(`${url}/get`, { headers: { cookie } });
    expect(await after.json(), 'the session is not wedged').toEqual({ name: 'ada' });
  });

  it('saves nothing when a handler throws (5xx)', async () => {
    const probe = probeStore();
    const app = build({ store: probe.store });
    app.onError((_error, c) => c.text('failed', 500));
    app.get('/boom', (c) => {
      c.get('session').set('half', 'done');
      throw new Error('boom');
    });
    const url = await serve(app);
    const response = await fetch(`${url}/boom`);
    expect(response.status).toBe(500);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(probe.calls).toEqual([]);
  });

  it('keeps the changes and the cookie of a request that ends in an HTTPException 4xx', async () => {
    const app = build();
    app.get('/deny', (c) => {
      c.get('session').set('n', 1);
      throw new HTTPException(401, { message: 'Sign in first' });
    });
    const url = await serve(app);
    const denied = await fetch(`${url}/deny`);
    expect(denied.status).toBe(401);
    expect(await denied.text()).toBe('Sign in first');
    const cookie = cookieOf(denied);
    expect((await fetch(`${url}/get`, { headers: { cookie } })).status).toBe(200);
  });
});

describe('session() on the web-standard path (app.request)', () => {
  const secureFlag = (response: Response): boolean =>
    /;\s*Secure/i.test(response.headers.getSetCookie()[0] ?? '');

  it('works without a server, reading and writing through Request and Response', async () => {
    const app = build();
    const first = await app.request('/set?name=lin');
    const second = await app.request('/get', { headers: { cookie: cookieOf(first) } });
    expect(await second.json()).toEqual({ name: 'lin' });
  });

  it('takes secure from the URL scheme, and X-Forwarded-Proto only with trustProxy', async () => {
    const direct = build({ cookie: { secure: 'auto' } });
    const forwarded = { headers: { 'x-forwarded-proto': 'https' } };
    expect(secureFlag(await direct.request('http://app.test/set?name=a', forwarded))).toBe(false);
    expect(secureFlag(await direct.request('https://app.test/set?name=a'))).toBe(true);

    const proxied = build({ cookie: { secure: 'auto' }, trustProxy: true });
    expect(secureFlag(await proxied.request('http://app.test/set?name=a', forwarded))).toBe(true);
    const downgraded = { headers: { 'x-forwarded-proto': 'http, https' } };
    expect(secureFlag(await proxied.request('https://app.test/set?name=a', downgraded))).toBe(false);
    expect(secureFlag(await proxied.request('http://app.test/set?name=a'))).toBe(false);
  });

  it('writes headers onto a Response whose headers are immutable', async () => {
    const app = build();
    app.get('/proxy', (c) => {
      c.get('session').set('n', 2);
      const upstream = Response.redirect('http://app.test/elsewhere', 302);
      return upstream;
    });
    const response = await app.request('/proxy');
    expect(response.status).toBe(302);
    expect(response.headers.getSetCookie()).toHaveLength(1);
  });

  it('accepts a SessionManager to share, with trustProxy beside it', async () => {
    const manager = new SessionManager<Data>(
      { store: memoryStore({ warn: false }), secret: SECRET, cookie: { secure: 'auto', name: 'sid' } },
      webCryptoProvider,
    );
    const middleware = session(manager, { trustProxy: true });
    expect(middleware.manager).toBe(manager);
    const app = new Hono<SessionEnv<Data>>();
    app.use(middleware);
    app.get('/', (c) => {
      c.get('session').set('n', 3);
      return c.text('ok');
    });
    expect(secureFlag(await app.request('/', { headers: { 'x-forwarded-proto': 'https' } }))).toBe(true);
  });

  it('refuses bad options when the middleware is built', () => {
    expect(() => session({ store: memoryStore({ warn: false }), secret: 'short' })).toThrow(
      expect.objectContaining({ code: 'SESSION_CONFIG' }),
    );
  });
});
