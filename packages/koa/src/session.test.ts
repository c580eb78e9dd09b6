import { Readable } from 'node:stream';
import { memoryStore, type SessionError, SessionManager, SessionStoreError } from '@cloakroom/session-core';
import Koa from 'koa';
import Koa2 from 'koa2';
import { afterEach, describe, expect, it } from 'vitest';
import { type SessionOptions, session } from './session.ts';
import { cookieOf, listen, probeStore, type Running, SECRET } from './testing/test-support.ts';

const versions = [
  ['Koa 3', Koa],
  ['Koa 2', Koa2],
] as const;

let running: Running[] = [];
afterEach(async () => {
  await Promise.all(running.map((server) => server.close()));
  running = [];
});

describe.each(versions)('session() on %s', (_name, KoaClass) => {
  interface Built {
    app: Koa;
    url: string;
    errors: unknown[];
  }

  async function start(options: Partial<SessionOptions>, setup: (app: Koa) => void): Promise<Built> {
    const app = new KoaClass();
    const errors: unknown[] = [];
    app.silent = true;
    app.on('error', (error) => errors.push(error));
    app.use(
      session({ store: memoryStore({ warn: false }), secret: SECRET, cookie: { secure: false }, ...options }),
    );
    setup(app);
    const server = await listen(app.callback());
    running.push(server);
    return { app, url: server.url, errors };
  }

  function routes(app: Koa): void {
    app.use(async (ctx) => {
      if (ctx.path === '/set') {
        ctx.session.set('name', ctx.query.name);
        ctx.body = 'ok';
      } else if (ctx.path === '/get') {
        ctx.body = { name: (await ctx.session.get('name')) ?? null };
      } else if (ctx.path === '/ping') {
        ctx.body = 'pong';
      }
    });
  }

  it('sets no cookie and touches no store for a request that never uses the session', async () => {
    const probe = probeStore();
    const { url } = await start({ store: probe.store }, routes);
    const response = await fetch(`${url}/ping`);
    expect(await response.text()).toBe('pong');
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(response.headers.get('vary')).toBeNull();
    expect(probe.calls).toEqual([]);
  });

  it('saves a write, sets the cookie with the configured attributes and reads it back', async () => {
    const { url } = await start({ cookie: { secure: false, name: 'sid', sameSite: 'strict' } }, routes);
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

  it('adds Cookie to a Vary header the handler set, and replaces its Cache-Control', async () => {
    const { url } = await start({}, (app) =>
      app.use((ctx) => {
        ctx.set('Vary', 'Accept-Encoding');
        ctx.set('Cache-Control', 'public, max-age=600');
        ctx.session.set('n', 1);
        ctx.body = 'ok';
      }),
    );
    const response = await fetch(url);
    expect(response.headers.get('vary')).toBe('Accept-Encoding, Cookie');
    expect(response.headers.get('cache-control')).toBe('private, no-store');
  });

  it('puts the cookie in the head of a streamed body (Koa writes the head after the chain resolves)', async () => {
    const { url } = await start({}, (app) =>
      app.use((ctx) => {
        ctx.session.set('streamed', true);
        ctx.body = Readable.from(['a', 'b', 'c']);
      }),
    );
    const response = await fetch(url);
    expect(await response.text()).toBe('abc');
    expect(response.headers.getSetCookie()).toHaveLength(1);
  });

  it('has the store write done before a redirect reaches the client', async () => {
    const { url } = await start({}, (app) =>
      app.use(async (ctx) => {
        if (ctx.path === '/login') {
          ctx.session.set('user', 'grace');
          ctx.redirect('/me');
        } else {
          ctx.body = { user: (await ctx.session.get('user')) ?? null };
        }
      }),
    );
    const login = await fetch(`${url}/login`, { redirect: 'manual' });
    expect(login.status).toBe(302);
    const me = await fetch(`${url}/me`, { headers: { cookie: cookieOf(login) } });
    expect(await me.json()).toEqual({ user: 'grace' });
  });

  it('answers 503 without details when the store fails, stays up, and recovers', async () => {
    const probe = probeStore();
    const { url, errors } = await start({ store: probe.store }, routes);
    const signed = await fetch(`${url}/set?name=ada`);
    const cookie = cookieOf(signed);
    probe.down = true;
    for (const path of ['/get', '/set?name=bob']) {
      const failed = await fetch(`${url}${path}`, { headers: { cookie } });
      expect(failed.status).toBe(503);
      const body = await failed.text();
      expect(body).toBe('Service Unavailable');
      expect(failed.headers.getSetCookie()).toEqual([]);
    }
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBeInstanceOf(SessionStoreError);
    expect((errors[0] as SessionError).status).toBe(503);
    probe.down = false;
    const back = await fetch(`${url}/get`, { headers: { cookie } });
    expect(await back.json()).toEqual({ name: 'ada' });
  });

  it('a session grown past maxPayloadBytes is a 413 with its message, and the stored one stays', async () => {
    const { url, errors } = await start({ maxPayloadBytes: 1024 }, routes);
    const cookie = cookieOf(await fetch(`${url}/set?name=ada`));
    const tooLarge = await fetch(`${url}/set?name=${'x'.repeat(2048)}`, { headers: { cookie } });
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.text()).toContain('maxPayloadBytes');
    expect(tooLarge.headers.getSetCookie()).toEqual([]);
    expect(errors).toEqual([expect.objectContaining({ code: 'SESSION_PAYLOAD_TOO_LARGE', expose: true })]);
    const after = await fetch(`${url}/get`, { headers: { cookie } });
    expect(await after.json(), 'the session is not wedged').toEqual({ name: 'ada' });
  });

  it('saves nothing when a handler throws (5xx), and lets the error reach Koa', async () => {
    const probe = probeStore();
    const { url, errors } = await start({ store: probe.store }, (app) =>
      app.use((ctx) => {
        ctx.session.set('half', 'done');
        throw new Error('boom');
      }),
    );
    const response = await fetch(url);
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('Internal Server Error');
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(probe.calls).toEqual([]);
    expect((errors[0] as Error).message).toBe('boom');
  });

  it('a thrown 5xx after a read that moved the stored expiry still carries the refreshed cookie', async () => {
    let now = Date.UTC(2026, 11, 7, 9);
    const clock = () => now;
    const { url } = await start(
      { store: memoryStore({ warn: false, now: clock }), now: clock, idleTimeout: 3600, touchInterval: 60 },
      (app) =>
        app.use(async (ctx) => {
          if (ctx.path === '/set') {
            ctx.session.set('name', 'ada');
            ctx.body = 'ok';
            return;
          }
          await ctx.session.get('name');
          throw new Error('boom');
        }),
    );
    const cookie = cookieOf(await fetch(`${url}/set`));
    now += 120_000; // past the touch interval: this read moves the stored expiry (getAndTouch)
    const failed = await fetch(`${url}/read`, { headers: { cookie } });
    expect(failed.status).toBe(500);
    const refreshed = failed.headers.getSetCookie();
    expect(refreshed, 'the cookie the moved expiry owes').toHaveLength(1);
    expect(refreshed[0]).toContain('Max-Age=3600');
  });

  it('keeps the changes and the cookie of a request that ends with ctx.throw(4xx)', async () => {
    const { url } = await start({}, (app) => {
      app.use(async (ctx, next) => {
        if (ctx.path !== '/deny') return next();
        ctx.session.set('attempts', 1);
        ctx.throw(401, 'Sign in first', { headers: { 'WWW-Authenticate': 'Basic' } });
      });
      routes(app);
    });
    const denied = await fetch(`${url}/deny`);
    expect(denied.status).toBe(401);
    expect(await denied.text()).toBe('Sign in first');
    expect(denied.headers.get('www-authenticate')).toBe('Basic');
    expect(denied.headers.get('cache-control')).toBe('private, no-store');
    const cookie = cookieOf(denied);
    const read = await fetch(`${url}/get`, { headers: { cookie } });
    expect(read.status).toBe(200);
  });

  it('follows app.proxy for secure detection (cookie.secure: "auto")', async () => {
    const secureFlag = (response: Response): boolean =>
      /;\s*Secure/i.test(response.headers.getSetCookie()[0] ?? '');
    const direct = await start({ cookie: { secure: 'auto' } }, routes);
    const forwarded = { 'x-forwarded-proto': 'https' };
    const ignored = await fetch(`${direct.url}/set?name=a`, { headers: forwarded });
    expect(ignored.headers.getSetCookie()).toHaveLength(1);
    expect(secureFlag(ignored)).toBe(false);

    const proxied = await start({ cookie: { secure: 'auto' } }, (app) => {
      app.proxy = true;
      routes(app);
    });
    expect(secureFlag(await fetch(`${proxied.url}/set?name=a`, { headers: forwarded }))).toBe(true);
    expect(secureFlag(await fetch(`${proxied.url}/set?name=a`))).toBe(false);
  });

  it('reports a write it cannot put in a head the handler already sent', async () => {
    const { url, errors } = await start({}, (app) =>
      app.use((ctx) => {
        ctx.respond = false;
        ctx.session.set('late', true);
        ctx.res.end('raw');
      }),
    );
    const response = await fetch(url);
    expect(await response.text()).toBe('raw');
    expect(response.headers.getSetCookie()).toEqual([]);
    await expect.poll(() => errors.length).toBe(1);
    expect((errors[0] as SessionError).code).toBe('SESSION_COOKIE_READONLY');
  });

  it('accepts a SessionManager to share, and exposes the one it uses', async () => {
    const manager = new SessionManager(
      { store: memoryStore({ warn: false }), secret: SECRET, cookie: { secure: false } },
      (await import('@cloakroom/session-core')).webCryptoProvider,
    );
    const middleware = session(manager);
    expect(middleware.manager).toBe(manager);
    const built = session({ store: memoryStore({ warn: false }), secret: SECRET });
    expect(built.manager).toBeInstanceOf(SessionManager);
  });

  it('refuses bad options when the middleware is built', () => {
    expect(() => session({ store: memoryStore({ warn: false }), secret: 'short' })).toThrow(
      expect.objectContaining({ code: 'SESSION_CONFIG' }),
    );
  });
});
