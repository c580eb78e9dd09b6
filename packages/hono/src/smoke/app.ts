// The app the runtime smoke test bundles into one ES module and serves on Bun, Deno and workerd:
// the adapter and core (its web-standard default build), with no Node API. The same routes twice: at
// `/` over the memory store, at `/sealed` with sealed cookies (AES-GCM and HKDF from Web Crypto).
import { type AnySessionStore, memoryStore, sealedCookies } from '@cloakroom/session-core';
import { Hono } from 'hono';
import { type SessionEnv, session } from '../session.ts';

type Data = { name: string };

function smokeApp(store: AnySessionStore, cookieName: string): Hono<SessionEnv<Data>> {
  const app = new Hono<SessionEnv<Data>>();
  app.use(
    session<Data>({
      store,
      secret: 'runtime-smoke-test-secret-0123456789abcdef',
      cookie: { name: cookieName, secure: false },
    }),
  );
  app.post('/sign-in', async (c) => {
    const { user, name } = await c.req.json<{ user: string; name: string }>();
    const current = c.get('session');
    current.setUser(user);
    current.set('name', name);
    current.regenerate();
    return c.json({ ok: true });
  });
  app.get('/me', async (c) => {
    const current = c.get('session');
    return c.json({
      user: await current.getUser(),
      name: (await current.get('name')) ?? null,
      runtime: globalThis.navigator?.userAgent ?? 'unknown',
    });
  });
  return app;
}

const app: Hono = new Hono();
app.route('/sealed', smokeApp(sealedCookies(), 'sealed'));
app.route('/', smokeApp(memoryStore({ warn: false }), 'session'));

export default app;
