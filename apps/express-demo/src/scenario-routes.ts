// The shared scenario app's routes (packages/adapter-test README), served under SCENARIO_PREFIX only
// with DEMO_SCENARIO_ROUTES=1, so apps/e2e can run the adapters' scenario suite against this very app:
// its session(), body parsers, csrf() and error handler. Not part of the demo itself.
import type { Session } from '@cloakroom/session-core';
import { holdAtGate } from 'demo-kit';
import { type Request, Router } from 'express';

// The scenarios write any key, not just the demo's.
const anyKey = (req: Request): Session<Record<string, unknown>> =>
  req.session as unknown as Session<Record<string, unknown>>;
const query = (req: Request, name: string): string => String(req.query[name] ?? '');

/** The scenario routes, as an Express router. */
export function scenarioRoutes(): Router {
  const router = Router();
  router.get('/none', (_req, res) => {
    res.type('text/plain').send('none');
  });
  router.get('/get', async (req, res) => {
    const session = anyKey(req);
    res.json((await session.exists()) ? { value: await session.get(query(req, 'key')) } : { value: null });
  });
  router.post('/set', (req, res) => {
    for (const [key, value] of Object.entries(req.body as Record<string, unknown>))
      anyKey(req).set(key, value);
    res.json({ ok: true });
  });
  router.post('/increment', async (req, res) => {
    res.json({ value: await anyKey(req).update(query(req, 'key'), (n) => Number(n ?? 0) + 1) });
  });
  router.post('/regenerate', async (req, res) => {
    await holdAtGate(req.session, req.query.gate);
    req.session.regenerate();
    res.json({ ok: true });
  });
  router.post('/destroy', (req, res) => {
    req.session.destroy();
    res.json({ ok: true });
  });
  router.post('/login', (req, res) => {
    req.session.setUser(String((req.body as { user?: unknown }).user));
    req.session.regenerate();
    res.json({ ok: true });
  });
  router.get('/user', async (req, res) => {
    res.json({ user: await req.session.getUser() });
  });
  router.post('/flash', (req, res) => {
    req.session.flash('message', (req.body as { message?: unknown }).message);
    res.json({ ok: true });
  });
  router.get('/flash', async (req, res) => {
    res.json({ messages: await req.session.consumeFlash('message') });
  });
  router.get('/csrf-token', async (req, res) => {
    res.json({ token: await req.session.csrfToken() });
  });
  router.post('/form', (req, res) => {
    anyKey(req).set('form', (req.body as { value?: unknown }).value);
    res.json({ ok: true });
  });
  router.post('/write-redirect', (req, res) => {
    anyKey(req).set(query(req, 'key'), query(req, 'value'));
    // Relative to the prefix, as the suite's client resolves it.
    res.redirect(302, `/get?key=${encodeURIComponent(query(req, 'key'))}`);
  });
  router.post('/stream', async (req, res) => {
    anyKey(req).set(query(req, 'key'), query(req, 'value'));
    res.type('text/plain');
    res.write('chunk-1\n');
    await new Promise((resolve) => setImmediate(resolve));
    res.end('chunk-2\n');
  });
  router.post('/fail', (req) => {
    anyKey(req).set(query(req, 'key'), query(req, 'value'));
    throw new Error('scenario failure after a write');
  });
  return router;
}
