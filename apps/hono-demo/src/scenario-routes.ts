// The shared scenario app's routes (packages/adapter-test README), served under SCENARIO_PREFIX only
// with DEMO_SCENARIO_ROUTES=1, so apps/e2e can run the adapters' scenario suite against this very app:
// its session(), csrf() and error handler. Not part of the demo itself.
import type { Session } from '@cloakroom/session-core';
import type { SessionEnv } from '@cloakroom/session-hono';
import { type DemoData, holdAtGate } from 'demo-kit';
import { type Context, Hono } from 'hono';
import { stream } from 'hono/streaming';

type DemoEnv = SessionEnv<DemoData>;

// The scenarios write any key, not just the demo's.
const anyKey = (c: Context<DemoEnv>): Session<Record<string, unknown>> =>
  c.get('session') as unknown as Session<Record<string, unknown>>;
const json = async (c: Context<DemoEnv>): Promise<Record<string, unknown>> =>
  (await c.req.json().catch(() => ({}))) as Record<string, unknown>;

/** The scenario routes, as a Hono app to mount with `app.route(SCENARIO_PREFIX, …)`. */
export function scenarioRoutes(): Hono<DemoEnv> {
  const app = new Hono<DemoEnv>();
  app.get('/none', (c) => c.text('none'));
  app.get('/get', async (c) => {
    const session = anyKey(c);
    return c.json(
      (await session.exists()) ? { value: await session.get(c.req.query('key') ?? '') } : { value: null },
    );
  });
  app.post('/set', async (c) => {
    for (const [key, value] of Object.entries(await json(c))) anyKey(c).set(key, value);
    return c.json({ ok: true });
  });
  app.post('/increment', async (c) =>
    c.json({ value: await anyKey(c).update(c.req.query('key') ?? '', (n) => Number(n ?? 0) + 1) }),
  );
  app.post('/regenerate', async (c) => {
    await holdAtGate(c.get('session'), c.req.query('gate'));
    c.get('session').regenerate();
    return c.json({ ok: true });
  });
  app.post('/destroy', (c) => {
    c.get('session').destroy();
    return c.json({ ok: true });
  });
  app.post('/login', async (c) => {
    c.get('session').setUser(String((await json(c)).user));
    c.get('session').regenerate();
    return c.json({ ok: true });
  });
  app.get('/user', async (c) => c.json({ user: await c.get('session').getUser() }));
  app.post('/flash', async (c) => {
    c.get('session').flash('message', (await json(c)).message);
    return c.json({ ok: true });
  });
  app.get('/flash', async (c) => c.json({ messages: await c.get('session').consumeFlash('message') }));
  app.get('/csrf-token', async (c) => c.json({ token: await c.get('session').csrfToken() }));
  app.post('/form', async (c) => {
    anyKey(c).set('form', (await c.req.parseBody()).value);
    return c.json({ ok: true });
  });
  app.post('/write-redirect', (c) => {
    const key = c.req.query('key') ?? '';
    anyKey(c).set(key, c.req.query('value'));
    // Relative to the prefix, as the suite's client resolves it.
    return c.redirect(`/get?key=${encodeURIComponent(key)}`, 302);
  });
  app.post('/stream', (c) => {
    anyKey(c).set(c.req.query('key') ?? '', c.req.query('value'));
    c.header('Content-Type', 'text/plain; charset=utf-8');
    return stream(c, async (s) => {
      await s.write('chunk-1\n');
      await new Promise((resolve) => setImmediate(resolve));
      await s.write('chunk-2\n');
    });
  });
  app.post('/fail', (c) => {
    anyKey(c).set(c.req.query('key') ?? '', c.req.query('value'));
    throw new Error('scenario failure after a write');
  });
  return app;
}
