import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { STATUS_CODES } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  countingStore,
  type FactoryStore,
  parseSetCookie,
  type RedisServer,
  startRedisServer,
} from '@cloakroom/session-adapter-test';
import { memoryStore, type SessionError, SessionStoreError } from '@cloakroom/session-core';
import { redisStoreFactory } from '@cloakroom/test-stores';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import express4 from 'express4';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { csrf } from './csrf.ts';
import { type SessionOptions, session } from './session.ts';
import { type Listening, listen } from './testing/scenario-app.ts';

const SECRET = 'express-adapter-test-secret-0123456789abcdef';

const running: Listening[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

async function serve(app: Express): Promise<string> {
  const server = await listen(app);
  running.push(server);
  return server.baseUrl;
}

type Handler = (req: Request, res: Response) => Promise<unknown>;
const h =
  (handler: Handler) =>
  (req: Request, res: Response, next: NextFunction): void => {
    handler(req, res).catch(next);
  };

/** The error handler the README shows: status from the error, a body with no message or stack. */
function errorHandler(seen: unknown[] = []) {
  return (error: { status?: unknown }, _req: Request, res: Response, next: NextFunction): void => {
    seen.push(error);
    if (res.headersSent) {
      next(error);
      return;
    }
    const status = typeof error.status === 'number' ? error.status : 500;
    res.status(status).json({ error: STATUS_CODES[status] });
  };
}

function cookiesOf(response: globalThis.Response, name = 'session') {
  return response.headers
    .getSetCookie()
    .map(parseSetCookie)
    .filter((cookie) => cookie.name === name);
}

function cookieHeader(response: globalThis.Response, name = 'session'): string {
  const [cookie] = cookiesOf(response, name);
  expect(cookie, `a ${name} cookie`).toBeDefined();
  return `${name}=${cookie!.value}`;
}

const base = (overrides: Partial<SessionOptions> = {}): SessionOptions => ({
  store: memoryStore({ warn: false, sweepInterval: 0 }),
  secret: SECRET,
  cookie: { secure: false },
  ...overrides,
});

describe.each([
  ['express 5', express],
  ['express 4', express4],
])('session() on %s', (_name, framework) => {
  function app(options: SessionOptions = base()): Express {
    const result = framework();
    result.use(session(options));
    return result;
  }

  it('commits before res.sendFile streams the file: cookie in the head, data saved', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cloakroom-express-'));
    try {
      const file = join(dir, 'hello.txt');
      await writeFile(file, 'x'.repeat(200_000));
      const server = app();
      server.get('/file', (req, res) => {
        req.session.set('downloaded', true);
        res.sendFile(file);
      });
      server.get(
        '/read',
        h(async (req, res) => res.json({ downloaded: await req.session.get('downloaded') })),
      );
      const url = await serve(server);
      const response = await fetch(`${url}/file`);
      expect(response.status).toBe(200);
      expect((await response.text()).length).toBe(200_000);
      const cookie = cookieHeader(response);
      expect(await (await fetch(`${url}/read`, { headers: { cookie } })).json()).toEqual({
        downloaded: true,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('merges its headers with those of an explicit res.writeHead (object and array forms)', async () => {
    const server = app();
    server.get('/object', (req, res) => {
      req.session.set('a', 1);
      res.setHeader('Vary', 'Accept');
      res.writeHead(201, 'Made', { 'Content-Type': 'text/plain', 'Set-Cookie': 'other=1; Path=/' });
      res.end('made');
    });
    server.get('/array', (req, res) => {
      req.session.set('a', 1);
      res.writeHead(202, ['Content-Type', 'text/plain', 'Set-Cookie', 'first=1', 'Set-Cookie', 'second=2']);
      res.end('accepted');
    });
    const url = await serve(server);
    const made = await fetch(`${url}/object`);
    expect(made.status).toBe(201);
    expect(made.statusText).toBe('Made');
    expect(await made.text()).toBe('made');
    expect(made.headers.getSetCookie().map((raw) => parseSetCookie(raw).name)).toEqual(['other', 'session']);
    expect(made.headers.get('vary')).toBe('Accept, Cookie');
    expect(made.headers.get('cache-control')).toBe('private, no-store');
    const accepted = await fetch(`${url}/array`);
    expect(accepted.status).toBe(202);
    expect(accepted.headers.getSetCookie().map((raw) => parseSetCookie(raw).name)).toEqual([
      'first',
      'second',
      'session',
    ]);
  });

  it('await req.session.save() before streaming: one Set-Cookie, the data readable at once', async () => {
    const server = app();
    let savedBeforeHead = false;
    server.get(
      '/save',
      h(async (req, res) => {
        req.session.set('early', 'yes');
        await req.session.save();
        savedBeforeHead = !res.headersSent;
        res.write('one,');
        res.end('two');
      }),
    );
    server.get(
      '/read',
      h(async (req, res) => res.json({ early: await req.session.get('early') })),
    );
    const url = await serve(server);
    const response = await fetch(`${url}/save`);
    expect(await response.text()).toBe('one,two');
    expect(cookiesOf(response)).toHaveLength(1);
    expect(savedBeforeHead).toBe(true);
    const cookie = cookieHeader(response);
    expect(await (await fetch(`${url}/read`, { headers: { cookie } })).json()).toEqual({ early: 'yes' });
  });

  it('a change made after the stream started is saved before the response ends', async () => {
    const server = app();
    server.post('/start', (req, res) => {
      req.session.set('stage', 'started');
      res.end();
    });
    server.post(
      '/late',
      h(async (req, res) => {
        await req.session.get('stage');
        res.write('streaming…');
        await new Promise((resolve) => setImmediate(resolve));
        req.session.set('stage', 'late');
        res.end();
      }),
    );
    server.get(
      '/read',
      h(async (req, res) => res.json({ stage: await req.session.get('stage') })),
    );
    const url = await serve(server);
    const cookie = cookieHeader(await fetch(`${url}/start`, { method: 'POST' }));
    const late = await fetch(`${url}/late`, { method: 'POST', headers: { cookie } });
    expect(await late.text()).toBe('streaming…');
    expect(await (await fetch(`${url}/read`, { headers: { cookie } })).json()).toEqual({ stage: 'late' });
  });

  it('a change after the head that needs a new cookie destroys the connection and tells onError', async () => {
    const errors: SessionError[] = [];
    const server = app(base({ onError: (error) => errors.push(error) }));
    server.get(
      '/too-late',
      h(async (req, res) => {
        res.write('head is out');
        await new Promise((resolve) => setImmediate(resolve));
        req.session.set('new', 'session'); // a new session needs a Set-Cookie the response can no longer carry
        res.end();
      }),
    );
    const url = await serve(server);
    const response = await fetch(`${url}/too-late`);
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
    expect(errors.map((error) => error.code)).toEqual(['SESSION_COOKIE_READONLY']);
  });

  it('an invalid header in a deferred res.writeHead reaches the error handler, not an unhandled rejection', async () => {
    const server = app();
    server.get('/bad', (req, res) => {
      req.session.set('k', 'v');
      res.writeHead(200, { 'X-Bad': 'line\r\nbreak' });
      res.end('never');
    });
    const seen: unknown[] = [];
    server.use(errorHandler(seen));
    const response = await fetch(`${await serve(server)}/bad`);
    expect(response.status).toBe(500);
    expect(response.headers.get('x-bad')).toBeNull();
    expect(seen).toEqual([expect.objectContaining({ code: 'ERR_INVALID_CHAR' })]);
  });

  it('queued writes answer false and a drain follows, so back-pressure aware writers finish', async () => {
    const server = app();
    server.get(
      '/drain',
      h(async (req, res) => {
        req.session.set('k', 'v');
        const first = res.write('a');
        if (!first) await once(res, 'drain');
        res.end(`b:${first}`);
      }),
    );
    const url = await serve(server);
    expect(await (await fetch(`${url}/drain`)).text()).toBe('ab:false');
  });

  it('secure detection follows trust proxy: X-Forwarded-Proto counts only from a trusted proxy', async () => {
    const options = base({ cookie: { secure: 'auto' } });
    const untrusted = app(options);
    const trusted = framework();
    trusted.set('trust proxy', 'loopback');
    trusted.use(session(options));
    for (const server of [untrusted, trusted]) {
      server.get('/', (req, res) => {
        req.session.set('k', 1);
        res.end();
      });
    }
    const headers = { 'x-forwarded-proto': 'https' };
    const plain = cookiesOf(await fetch(`${await serve(untrusted)}/`, { headers }));
    expect(plain[0]?.attributes.has('secure')).toBe(false);
    const proxied = cookiesOf(await fetch(`${await serve(trusted)}/`, { headers }));
    expect(proxied[0]?.attributes.has('secure')).toBe(true);
  });

  it('refuses to run twice for one request', async () => {
    const server = app();
    server.use(session(base()));
    server.get('/', (_req, res) => {
      res.end('unreachable');
    });
    const seen: unknown[] = [];
    server.use(errorHandler(seen));
    const response = await fetch(`${await serve(server)}/`);
    expect(response.status).toBe(500);
    expect(seen).toEqual([expect.objectContaining({ code: 'SESSION_USAGE' })]);
  });

  it('fails at start-up, not per request, on bad options', () => {
    expect(() => session(base({ secret: 'short' }))).toThrow(
      expect.objectContaining({ code: 'SESSION_CONFIG' }),
    );
    expect(() => session(base({ cookie: { name: '__Host-sid', secure: false } }))).toThrow(/__Host-/);
  });

  it('exposes its manager for work outside a request', async () => {
    const middleware = session(base());
    const server = framework();
    server.use(middleware);
    server.post('/login', (req, res) => {
      req.session.setUser('ada');
      res.end();
    });
    server.get(
      '/user',
      h(async (req, res) => res.json({ user: await req.session.getUser() })),
    );
    const url = await serve(server);
    const cookie = cookieHeader(await fetch(`${url}/login`, { method: 'POST' }));
    expect(await middleware.manager.destroyUserSessions('ada')).toBe(1);
    expect(await (await fetch(`${url}/user`, { headers: { cookie } })).json()).toEqual({ user: null });
  });

  it('a session grown past maxPayloadBytes reaches the error handler as a 413, and the stored one stays', async () => {
    const seen: unknown[] = [];
    const server = app(base({ maxPayloadBytes: 1024 }));
    server.post('/note', (req, res) => {
      req.session.set('note', String(req.query.note));
      res.json({ ok: true });
    });
    server.get(
      '/note',
      h(async (req, res) => res.json({ note: (await req.session.get('note')) ?? null })),
    );
    server.use(errorHandler(seen));
    const url = await serve(server);
    const cookie = cookieHeader(await fetch(`${url}/note?note=short`, { method: 'POST' }));
    const tooLarge = await fetch(`${url}/note?note=${'x'.repeat(2048)}`, {
      method: 'POST',
      headers: { cookie },
    });
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toEqual({ error: 'Payload Too Large' });
    expect(cookiesOf(tooLarge)).toEqual([]);
    expect(seen).toEqual([
      expect.objectContaining({ code: 'SESSION_PAYLOAD_TOO_LARGE', status: 413, expose: true }),
    ]);
    const after = await fetch(`${url}/note`, { headers: { cookie } });
    expect(await after.json(), 'the session is not wedged').toEqual({ note: 'short' });
  });
});

describe('session() with a store that goes down', () => {
  let redis: RedisServer;
  let redisStore: FactoryStore;

  beforeAll(async () => {
    redis = await startRedisServer();
    redisStore = await redisStoreFactory({ url: redis.url, prefix: 'express-test:', failFast: true });
  });

  afterAll(async () => {
    await redisStore.close();
    await redis.close();
  });

  async function up(): Promise<void> {
    if (!redis.running) await redis.start();
    await redisStore.ready();
  }

  function redisApp(framework: typeof express, seen: unknown[], errors: SessionError[] = []): Express {
    const app = framework();
    const store = countingStore(redisStore.store);
    app.use(
      session({ store, secret: SECRET, cookie: { secure: false }, onError: (error) => errors.push(error) }),
    );
    app.post('/write-redirect', (req, res) => {
      req.session.set('k', 'v');
      res.redirect(303, '/elsewhere');
    });
    app.get(
      '/read',
      h(async (req, res) => res.json({ k: await req.session.get('k') })),
    );
    app.post('/write', (req, res) => {
      req.session.set('k', 'w');
      res.end();
    });
    app.post(
      '/stream',
      h(async (req, res) => {
        await req.session.get('k');
        res.write('first chunk');
        await redis.stop();
        req.session.set('k', 'lost');
        res.end();
      }),
    );
    app.use(errorHandler(seen));
    return app;
  }

  describe.each([
    ['express 5', express],
    ['express 4', express4],
  ])('on %s', (_name, framework) => {
    it('a failed commit before the head becomes a 503 through next(err), without the handler’s redirect', async () => {
      await up();
      const seen: unknown[] = [];
      const url = await serve(redisApp(framework, seen));
      await redis.stop();
      const response = await fetch(`${url}/write-redirect`, { method: 'POST', redirect: 'manual' });
      expect(response.status).toBe(503);
      expect(response.headers.get('location')).toBeNull();
      expect(response.headers.getSetCookie()).toEqual([]);
      expect(await response.json()).toEqual({ error: 'Service Unavailable' });
      expect(seen).toHaveLength(1);
      expect(seen[0]).toBeInstanceOf(SessionStoreError);
      expect(seen[0]).toMatchObject({ status: 503, expose: false, code: 'SESSION_STORE' });
    });

    it('a store failure on read reaches the error handler as a SessionStoreError (503)', async () => {
      await up();
      const seen: unknown[] = [];
      const url = await serve(redisApp(framework, seen));
      const cookie = cookieHeader(await fetch(`${url}/write`, { method: 'POST' }));
      await redis.stop();
      const response = await fetch(`${url}/read`, { headers: { cookie } });
      expect(response.status).toBe(503);
      expect(seen[0]).toBeInstanceOf(SessionStoreError);
      // The read is the store's getAndTouch (a due touch rides along), or get on a store without it.
      expect(seen[0]).toMatchObject({ status: 503, operation: expect.stringMatching(/^get(AndTouch)?$/) });
      await up();
      expect((await fetch(`${url}/read`, { headers: { cookie } })).status).toBe(200);
    });

    it('a failed commit after the head went out destroys the connection and tells onError', async () => {
      await up();
      const seen: unknown[] = [];
      const errors: SessionError[] = [];
      const url = await serve(redisApp(framework, seen, errors));
      const cookie = cookieHeader(await fetch(`${url}/write`, { method: 'POST' }));
      const response = await fetch(`${url}/stream`, { method: 'POST', headers: { cookie } });
      expect(response.status).toBe(200);
      await expect(response.text()).rejects.toThrow();
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(SessionStoreError);
      expect(seen).toEqual([]);
      await up();
      const after = await fetch(`${url}/write`, { method: 'POST', headers: { cookie } });
      expect(after.status, 'the server stays up').toBe(200);
    });
  });
});

describe('csrf()', () => {
  function csrfApp(options: Parameters<typeof csrf>[0] = {}, trustProxy = false): Express {
    const app = express();
    if (trustProxy) app.set('trust proxy', 'loopback');
    app.use(session(base()), express.urlencoded({ extended: false }), csrf(options));
    app.get(
      '/token',
      h(async (req, res) => res.json({ token: await req.session.csrfToken() })),
    );
    app.post('/form', (_req, res) => {
      res.json({ ok: true });
    });
    app.use(errorHandler());
    return app;
  }

  async function tokenFor(url: string): Promise<{ cookie: string; token: string }> {
    // A visitor without a session: the token rides in the anonymous `-csrf` cookie, nothing is stored.
    const response = await fetch(`${url}/token`);
    const cookie = cookieHeader(response, 'session-csrf');
    return { cookie, token: ((await response.json()) as { token: string }).token };
  }

  const form = (token: string): URLSearchParams => new URLSearchParams({ _csrf: token });

  it('accepts an origin listed in allowedOrigins and still refuses others', async () => {
    const url = await serve(csrfApp({ allowedOrigins: ['https://admin.example'] }));
    const { cookie, token } = await tokenFor(url);
    const post = (origin: string) =>
      fetch(`${url}/form`, { method: 'POST', headers: { cookie, origin }, body: form(token) });
    expect((await post('https://admin.example')).status).toBe(200);
    expect((await post('https://evil.example')).status).toBe(403);
  });

  it('reads the custom field and header names', async () => {
    const url = await serve(csrfApp({ field: 'token', header: 'X-Token' }));
    const { cookie, token } = await tokenFor(url);
    const byField = await fetch(`${url}/form`, {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({ token }),
    });
    expect(byField.status).toBe(200);
    const byHeader = await fetch(`${url}/form`, {
      method: 'POST',
      headers: { cookie, 'x-token': token },
      body: 'a=b',
    });
    expect(byHeader.status).toBe(200);
    const defaultField = await fetch(`${url}/form`, {
      method: 'POST',
      headers: { cookie },
      body: form(token),
    });
    expect(defaultField.status).toBe(403);
  });

  it('requires the token for multipart and text/plain posts too, not for JSON', async () => {
    const url = await serve(csrfApp());
    const { cookie } = await tokenFor(url);
    const multipart = new FormData();
    multipart.set('value', 'x');
    expect(
      (await fetch(`${url}/form`, { method: 'POST', headers: { cookie }, body: multipart })).status,
    ).toBe(403);
    const text = await fetch(`${url}/form`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(text.status).toBe(403);
    const json = await fetch(`${url}/form`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', origin: url },
      body: '{}',
    });
    expect(json.status).toBe(200);
  });

  it('takes its own origin from X-Forwarded-Host and -Proto only behind a trusted proxy', async () => {
    const forwarded = {
      'x-forwarded-host': 'shop.example',
      'x-forwarded-proto': 'https',
      origin: 'https://shop.example',
    };
    for (const [trust, status] of [
      [true, 200],
      [false, 403],
    ] as const) {
      const url = await serve(csrfApp({}, trust));
      const { cookie, token } = await tokenFor(url);
      const response = await fetch(`${url}/form`, {
        method: 'POST',
        headers: { cookie, ...forwarded },
        body: form(token),
      });
      expect(response.status, `trust proxy ${trust}`).toBe(status);
    }
  });

  it('says to mount session() first', async () => {
    const app = express();
    app.use(csrf());
    app.post('/', (_req, res) => {
      res.end();
    });
    const seen: unknown[] = [];
    app.use(errorHandler(seen));
    expect((await fetch(`${await serve(app)}/`, { method: 'POST' })).status).toBe(500);
    expect(seen[0]).toMatchObject({
      code: 'SESSION_USAGE',
      message: expect.stringMatching(/session\(\) before csrf\(\)/),
    });
  });
});

describe('a handler that fails after it answered', () => {
  it.each([
    ['express 5', express],
    ['express 4', express4],
  ])('on %s: the error handler cannot mix a second response into the held head', async (_name, framework) => {
    const app = framework();
    app.use(session(base()));
    app.get(
      '/',
      h(async (req, res) => {
        req.session.set('k', 'v');
        res.json({ first: true });
        throw new Error('failed after answering');
      }),
    );
    app.get('/ok', (_req, res) => {
      res.end('ok');
    });
    const seen: unknown[] = [];
    app.use(errorHandler(seen));
    const url = await serve(app);
    const outcome = await fetch(`${url}/`).then(
      async (response) => ({ status: response.status, body: await response.text() }),
      () => 'reset',
    );
    // Express destroys a connection whose head was sent when an error follows; a response, if any, is the first one.
    if (outcome !== 'reset') expect(outcome).toEqual({ status: 200, body: '{"first":true}' });
    expect(seen).toHaveLength(1);
    expect((await fetch(`${url}/ok`)).status, 'the server stays up').toBe(200);
  });
});
