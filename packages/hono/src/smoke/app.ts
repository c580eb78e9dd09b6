// The app the runtime smoke test bundles into one ES module and serves on Bun, Deno and workerd:
// the adapter, core (its web-standard default build) and the memory store, with no Node API.
import { memoryStore } from '@cloakroom/session-core';
import { Hono } from 'hono';
import { type SessionEnv, session } from '../session.ts';

type Data = { name: string };

const app: Hono<SessionEnv<Data>> = new Hono<SessionEnv<Data>>();
app.use(
  session<Data>({
    store: memoryStore({ warn: false }),
    secret: 'runtime-smoke-test-secret-0123456789abcdef',
    cookie: { secure: false },
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

export default app;
