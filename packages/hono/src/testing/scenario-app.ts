// Test support (not exported): the shared scenario app (@cloakroom/session-adapter-test's route
// contract), written the way a Hono user would, with session() and csrf().
import { holdAtGate } from '@cloakroom/session-adapter-test';
import type { SessionManagerOptions } from '@cloakroom/session-core';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { stream } from 'hono/streaming';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { csrf } from '../csrf.ts';
import { type SessionEnv, session } from '../session.ts';

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function scenarioApp(options: SessionManagerOptions): Hono<SessionEnv> {
  const app = new Hono<SessionEnv>();
  // Errors answer `err.status ?? 500` as `{"error": "<status text>"}` and nothing else.
  app.onError((error, c) => {
    const status = (error instanceof HTTPException ? error.status : 500) as ContentfulStatusCode;
    return c.json({ error: STATUS_TEXT[status] ?? 'Error' }, status);
  });
  app.use(session(options));
  app.use(csrf());

  app.get('/none', (c) => c.text('none'));
  app.get('/get', async (c) => {
    const s = c.get('session');
    return c.json((await s.exists()) ? { value: await s.get(c.req.query('key') ?? '') } : { value: null });
  });
  app.post('/set', async (c) => {
    for (const [name, value] of Object.entries(await c.req.json<Record<string, unknown>>())) {
      c.get('session').set(name, value);
    }
    return c.json({ ok: true });
  });
  app.post('/increment', async (c) => {
    const value = await c.get('session').update(c.req.query('key') ?? '', (n) => (Number(n) || 0) + 1);
    return c.json({ value });
  });
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
    const { user } = await c.req.json<{ user: string }>();
    c.get('session').setUser(user);
    c.get('session').regenerate();
    return c.json({ ok: true });
  });
  app.get('/user', async (c) => c.json({ user: await c.get('session').getUser() }));
  app.post('/flash', async (c) => {
    c.get('session').flash('message', (await c.req.json<{ message: unknown }>()).message);
    return c.json({ ok: true });
  });
  app.get('/flash', async (c) => c.json({ messages: await c.get('session').consumeFlash('message') }));
  app.get('/csrf-token', async (c) => c.json({ token: await c.get('session').csrfToken() }));
  app.post('/form', async (c) => {
    c.get('session').set('form', (await c.req.parseBody()).value);
    return c.json({ ok: true });
  });
  app.post('/write-redirect', (c) => {
    const key = c.req.query('key') ?? '';
    c.get('session').set(key, c.req.query('value'));
    return c.redirect(`/get?key=${encodeURIComponent(key)}`);
  });
  app.post('/stream', (c) => {
    c.get('session').set(c.req.query('key') ?? '', c.req.query('value'));
    c.header('Content-Type', 'text/plain; charset=utf-8');
    return stream(c, async (s) => {
      await s.write('chunk-1\n');
      await new Promise((resolve) => setTimeout(resolve, 0));
      await s.write('chunk-2\n');
    });
  });
  app.post('/fail', (c) => {
    c.get('session').set(c.req.query('key') ?? '', c.req.query('value'));
    throw new Error('scenario failure');
  });
  return app;
}
