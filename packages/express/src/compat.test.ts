import { countingStore, probeStore } from '@cloakroom/session-adapter-test';
import { createSessionManager } from '@cloakroom/session-core';
import express from 'express';
import express4 from 'express4';
import { describe, expect, it } from 'vitest';
import { type CompatSessionOptions, session } from './compat.ts';
import { type ExpressFactory, errorHandler, redisStore, SECRET, serve } from './testing/compat-apps.ts';

const base = { secret: SECRET, cookie: { secure: false } } as const;

async function app(
  makeExpress: ExpressFactory,
  routes: (app: ReturnType<ExpressFactory>) => void,
  options: Partial<CompatSessionOptions> = {},
) {
  const { store } = await redisStore();
  const counted = countingStore(store);
  const a = makeExpress();
  const middleware = session({ ...base, store: counted, ...options });
  a.use(middleware);
  a.use(makeExpress.json());
  routes(a);
  const seen: unknown[] = [];
  a.use(errorHandler(seen));
  return { ...(await serve(a)), store: counted, manager: middleware.manager, seen };
}

describe.each([
  ['express 5', express],
  ['express 4', express4],
])('compat session() on %s', (_name, makeExpress) => {
  describe('req.session data', () => {
    it('reads, assigns, deletes and mutates nested values in place', async () => {
      const { user } = await app(makeExpress, (a) => {
        a.post('/write', (req, res) => {
          req.session.count = 1;
          req.session.cart = { items: ['a'], note: 'x' };
          res.json({ ok: true });
        });
        a.post('/mutate', (req, res) => {
          const cart = req.session.cart as { items: string[]; note?: string };
          cart.items.push('b');
          delete cart.note;
          delete req.session.count;
          res.json({ ok: true });
        });
        a.get('/read', (req, res) => res.json({ ...req.session }));
      });
      await user.post('/write');
      expect((await user.get('/read')).body).toEqual({ count: 1, cart: { items: ['a'], note: 'x' } });
      await user.post('/mutate');
      expect((await user.get('/read')).body).toEqual({ cart: { items: ['a', 'b'] } });
    });

    it('costs no store call and sets no cookie for a request without a cookie', async () => {
      const { user, store } = await app(makeExpress, (a) => {
        a.get('/', (req, res) => res.json({ views: req.session.views ?? null, id: req.sessionID }));
      });
      const reply = await user.get('/');
      expect(reply.body).toEqual({ views: null, id: '' });
      expect(reply.setCookies).toEqual([]);
      expect(store.totalCalls()).toBe(0);
    });

    it('loads before the handler runs, so synchronous reads see stored data', async () => {
      const { user, store } = await app(makeExpress, (a) => {
        a.post('/', (req, res) => {
          req.session.views = Number(req.session.views ?? 0) + 1;
          res.json({ views: req.session.views });
        });
      });
      await user.post('/');
      await user.post('/');
      expect((await user.post('/')).body).toEqual({ views: 3 });
      // A forged cookie of our name is never looked up.
      const before = store.calls().get;
      user.cookie = 'session=forged.value';
      expect((await user.post('/')).body).toEqual({ views: 1 });
      expect(store.calls().get).toBe(before);
    });

    it('refuses reserved names, and drops them from stored data', async () => {
      const errors: string[] = [];
      const { user, manager, server } = await app(makeExpress, (a) => {
        a.post('/reserved', (req, res) => {
          for (const name of [
            'id',
            'cookie',
            'save',
            'regenerate',
            'destroy',
            'reload',
            'touch',
            'resetMaxAge',
            '__proto__',
            'constructor',
          ]) {
            try {
              (req.session as unknown as Record<string, unknown>)[name] = 1;
            } catch (error) {
              errors.push(`${name}:${(error as { code?: string }).code}`);
            }
          }
          res.json({ keys: Object.keys(req.session) });
        });
        a.get('/keys', (req, res) =>
          res.json({ keys: Object.keys(req.session), save: typeof req.session.save }),
        );
      });
      expect((await user.post('/reserved')).body).toEqual({ keys: [] });
      expect(errors).toHaveLength(10);
      expect(errors.every((e) => e.endsWith(':SESSION_USAGE'))).toBe(true);
      // A record written natively with such keys: they never shadow the API.
      const handle = manager.open({ cookie: '', secure: false });
      handle.session.set('save', 'x');
      handle.session.set('kept', 1);
      const { setCookie } = await handle.commit();
      user.cookie = setCookie!.split(';')[0]!;
      expect((await user.get('/keys')).body).toEqual({ keys: ['kept'], save: 'function' });
      expect(server.baseUrl).toBeTruthy();
    });
  });

  describe('req.session methods', () => {
    it('regenerate(cb) gives a new, empty session and deletes the old record before cb', async () => {
      const { user, store } = await app(makeExpress, (a) => {
        a.post('/set', (req, res) => {
          req.session.secret = 'before';
          res.json({ ok: true });
        });
        a.post('/regenerate', (req, res, next) => {
          const old = req.session;
          const returned = req.session.regenerate((error) => {
            if (error) return next(error);
            req.session.after = true;
            res.json({
              same: returned === old,
              empty: req.session.secret === undefined,
              oldData: old.secret,
            });
          });
        });
        a.get('/read', (req, res) =>
          res.json({ secret: req.session.secret ?? null, after: req.session.after ?? null }),
        );
      });
      await user.post('/set');
      const old = user.snapshot();
      const deletesBefore = store.calls().delete;
      expect((await user.post('/regenerate')).body).toEqual({ same: true, empty: true, oldData: 'before' });
      expect(store.calls().delete).toBe(deletesBefore + 1);
      expect((await user.get('/read')).body).toEqual({ secret: null, after: true });
      expect((await old.get('/read')).body).toEqual({ secret: null, after: null });
      expect(user.cookies().get('session')).not.toBe(old.cookies().get('session'));
    });

    it('destroy(cb) ends the session and clears the cookie', async () => {
      const { user } = await app(makeExpress, (a) => {
        a.post('/set', (req, res) => {
          req.session.a = 1;
          res.json({ ok: true });
        });
        a.post('/destroy', (req, res, next) => {
          req.session.destroy((error) => (error ? next(error) : res.json({ a: req.session.a ?? null })));
        });
        a.get('/read', (req, res) => res.json({ a: req.session.a ?? null }));
      });
      await user.post('/set');
      const old = user.snapshot();
      const reply = await user.post('/destroy');
      expect(reply.body).toEqual({ a: null });
      expect(reply.setCookies.find((c) => c.name === 'session')?.attributes.get('max-age')).toBe('0');
      expect((await old.get('/read')).body).toEqual({ a: null });
    });

    it('save(cb) stores before the callback; reload(cb) drops unsaved changes; touch() and resetMaxAge() chain', async () => {
      const { user, manager } = await app(makeExpress, (a) => {
        a.post('/save', (req, res, next) => {
          req.session.saved = 'yes';
          const chained = req.session.touch().resetMaxAge();
          req.session.save((error) => {
            if (error) return next(error);
            req.session.unsaved = 'no';
            req.session.reload((reloadError) => {
              if (reloadError) return next(reloadError);
              res.json({
                chained: chained === req.session,
                unsaved: req.session.unsaved ?? null,
                saved: req.session.saved,
              });
            });
          });
        });
      });
      expect((await user.post('/save')).body).toEqual({ chained: false, unsaved: null, saved: 'yes' });
      // Saved before the callback ran: the store has it.
      const handle = manager.open({ cookie: user.cookie, secure: false });
      expect(await handle.session.get('saved')).toBe('yes');
    });

    it('reload(cb) reads what a parallel request saved meanwhile', async () => {
      let release!: () => void;
      const written = new Promise<void>((resolve) => {
        release = resolve;
      });
      let loaded!: () => void;
      const isLoaded = new Promise<void>((resolve) => {
        loaded = resolve;
      });
      const { user } = await app(makeExpress, (a) => {
        a.post('/set/:value', (req, res) => {
          req.session.value = req.params.value;
          res.json({ ok: true });
        });
        a.get('/slow', async (req, res, next) => {
          const before = req.session.value;
          loaded();
          await written;
          req.session.reload((error) =>
            error ? next(error) : res.json({ before, after: req.session.value }),
          );
        });
      });
      await user.post('/set/one');
      const slow = user.get('/slow');
      await isLoaded;
      await user.post('/set/two');
      release();
      expect((await slow).body).toEqual({ before: 'one', after: 'two' });
    });

    it('sessionID and session.id are the log-safe id, never the cookie value', async () => {
      const { user } = await app(makeExpress, (a) => {
        a.post('/set', (req, res, next) => {
          req.session.a = 1;
          req.session.save((error) => (error ? next(error) : res.json({ id: req.sessionID })));
        });
        a.get('/id', (req, res) => res.json({ id: req.sessionID, sessionId: req.session.id }));
      });
      const saved = (await user.post('/set')).json<{ id: string }>().id;
      const { id, sessionId } = (await user.get('/id')).json<{ id: string; sessionId: string }>();
      expect(id).toBe(saved);
      expect(sessionId).toBe(id);
      expect(id.length).toBeGreaterThan(8);
      expect(user.cookie).not.toContain(id);
    });

    it('cookie reports maxAge in milliseconds and the cookie attributes', async () => {
      const { user } = await app(
        makeExpress,
        (a) => {
          a.get('/cookie', (req, res) => {
            const c = req.session.cookie;
            res.json({
              maxAge: c.maxAge,
              originalMaxAge: c.originalMaxAge,
              expires: c.expires !== null,
              httpOnly: c.httpOnly,
              sameSite: c.sameSite,
              path: c.path,
              domain: c.domain ?? null,
            });
          });
        },
        { idleTimeout: 3600 },
      );
      const body = (await user.get('/cookie')).json<{ maxAge: number }>();
      expect(body).toMatchObject({
        originalMaxAge: 3_600_000,
        expires: true,
        httpOnly: true,
        sameSite: 'lax',
        path: '/',
        domain: null,
      });
      expect(body.maxAge).toBeGreaterThan(3_590_000);
      expect(body.maxAge).toBeLessThanOrEqual(3_600_000);
    });
  });

  describe('req.session.cookie.maxAge (remember me)', () => {
    it('gives this session a lifetime of its own: the store expiry and the cookie Max-Age follow', async () => {
      const { user } = await app(
        makeExpress,
        (a) => {
          a.post('/login', (req, res) => {
            req.session.account = 'ada';
            if (req.body.remember) req.session.cookie.maxAge = 30 * 86_400_000;
            res.json({ ok: true });
          });
          a.get('/cookie', (req, res) => res.json({ originalMaxAge: req.session.cookie.originalMaxAge }));
        },
        { idleTimeout: 3600 },
      );
      const remembered = await user.post('/login', { json: { remember: true } });
      const cookie = remembered.setCookies.find((c) => c.name === 'session');
      expect(cookie?.attributes.get('max-age')).toBe(String(30 * 86_400));
      expect((await user.get('/cookie')).body).toEqual({ originalMaxAge: 30 * 86_400_000 });

      const other = user.at(user.baseUrl);
      other.cookie = '';
      const plain = await other.post('/login', { json: {} });
      expect(plain.setCookies.find((c) => c.name === 'session')?.attributes.get('max-age')).toBe('3600');
      expect((await other.get('/cookie')).body).toEqual({ originalMaxAge: 3_600_000 });
    });

    it('refuses a lifetime beyond 400 days', async () => {
      const { user } = await app(makeExpress, (a) => {
        a.post('/', (req, res) => {
          try {
            req.session.cookie.maxAge = 401 * 86_400_000;
            res.json({ thrown: false });
          } catch (error) {
            res.json({ thrown: (error as { code?: string }).code });
          }
        });
      });
      expect((await user.post('/')).body).toEqual({ thrown: 'SESSION_USAGE' });
    });
  });

  describe('concurrency and failures', () => {
    it("parallel requests that change different keys keep each other's writes", async () => {
      let arrived = 0;
      let release!: () => void;
      const bothLoaded = new Promise<void>((resolve) => {
        release = resolve;
      });
      const { user } = await app(makeExpress, (a) => {
        a.post('/init', (req, res) => {
          req.session.list = [];
          res.json({ ok: true });
        });
        a.post('/key/:name', async (req, res) => {
          // Both requests hold a loaded copy before either writes: the second commit conflicts.
          if (++arrived === 2) release();
          await bothLoaded;
          req.session[String(req.params.name)] = true;
          res.json({ ok: true });
        });
        a.get('/read', (req, res) => res.json({ ...req.session }));
      });
      await user.post('/init');
      await Promise.all([user.post('/key/a'), user.post('/key/b')]);
      expect((await user.get('/read')).body).toEqual({ list: [], a: true, b: true });
    });

    it('a store failure on load goes to next(err) with status 503', async () => {
      const probe = probeStore();
      const seen: unknown[] = [];
      const a = makeExpress();
      a.use(session({ ...base, store: probe.store }));
      a.post('/', (req, res) => {
        req.session.a = 1;
        res.json({ ok: true });
      });
      a.use(errorHandler(seen));
      const { user } = await serve(a);
      await user.post('/');
      probe.down = true;
      const reply = await user.post('/');
      expect(reply.status).toBe(503);
      expect((seen[0] as { code?: string }).code).toBe('SESSION_STORE');
    });
  });
});

describe('compat session() options', () => {
  it('binds the session to the user the `user` option maps from its data', async () => {
    const { store } = await redisStore();
    const manager = createSessionManager({ ...base, store });
    const a = express();
    a.use(session(manager, { user: (data) => (data.account as string | undefined) ?? null }));
    a.post('/in', (req, res) => {
      req.session.account = 'ada';
      res.json({ ok: true });
    });
    const { user } = await serve(a);
    await user.post('/in');
    if (manager.capabilities.userIndex) expect(await manager.listUserSessions('ada')).toHaveLength(1);
    else expect.unreachable('the Redis store has the per-user index');
  });
});
