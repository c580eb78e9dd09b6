// The shared scenario app's routes (packages/adapter-test README), served under SCENARIO_PREFIX only
// with DEMO_SCENARIO_ROUTES=1, so apps/e2e can run the adapters' scenario suite against this very app:
// its session(), body parser, csrf() and error handling. Not part of the demo itself.
import { Readable } from 'node:stream';
import type { Session } from '@cloakroom/session-core';
import { Router } from '@koa/router';
import { holdAtGate, SCENARIO_PREFIX } from 'demo-kit';
import type { Context } from 'koa';

// The scenarios write any key, not just the demo's.
const anyKey = (ctx: Context): Session<Record<string, unknown>> =>
  ctx.session as unknown as Session<Record<string, unknown>>;
const query = (ctx: Context, name: string): string => String(ctx.query[name] ?? '');
const body = (ctx: Context): Record<string, unknown> => (ctx.request.body ?? {}) as Record<string, unknown>;

/** The scenario routes, as a router mounted at SCENARIO_PREFIX. */
export function scenarioRoutes(): Router {
  const router = new Router({ prefix: SCENARIO_PREFIX });
  router.get('/none', (ctx) => {
    ctx.type = 'text/plain';
    ctx.body = 'none';
  });
  router.get('/get', async (ctx) => {
    const session = anyKey(ctx);
    ctx.body = (await session.exists()) ? { value: await session.get(query(ctx, 'key')) } : { value: null };
  });
  router.post('/set', (ctx) => {
    for (const [key, value] of Object.entries(body(ctx))) anyKey(ctx).set(key, value);
    ctx.body = { ok: true };
  });
  router.post('/increment', async (ctx) => {
    ctx.body = { value: await anyKey(ctx).update(query(ctx, 'key'), (n) => Number(n ?? 0) + 1) };
  });
  router.post('/regenerate', async (ctx) => {
    await holdAtGate(ctx.session, ctx.query.gate);
    ctx.session.regenerate();
    ctx.body = { ok: true };
  });
  router.post('/destroy', (ctx) => {
    ctx.session.destroy();
    ctx.body = { ok: true };
  });
  router.post('/login', (ctx) => {
    ctx.session.setUser(String(body(ctx).user));
    ctx.session.regenerate();
    ctx.body = { ok: true };
  });
  router.get('/user', async (ctx) => {
    ctx.body = { user: await ctx.session.getUser() };
  });
  router.post('/flash', (ctx) => {
    ctx.session.flash('message', body(ctx).message);
    ctx.body = { ok: true };
  });
  router.get('/flash', async (ctx) => {
    ctx.body = { messages: await ctx.session.consumeFlash('message') };
  });
  router.get('/csrf-token', async (ctx) => {
    ctx.body = { token: await ctx.session.csrfToken() };
  });
  router.post('/form', (ctx) => {
    anyKey(ctx).set('form', body(ctx).value);
    ctx.body = { ok: true };
  });
  router.post('/write-redirect', (ctx) => {
    anyKey(ctx).set(query(ctx, 'key'), query(ctx, 'value'));
    // Relative to the prefix, as the suite's client resolves it.
    ctx.redirect(`/get?key=${encodeURIComponent(query(ctx, 'key'))}`);
  });
  router.post('/stream', (ctx) => {
    anyKey(ctx).set(query(ctx, 'key'), query(ctx, 'value'));
    ctx.type = 'text/plain';
    ctx.body = Readable.from(
      (async function* () {
        yield 'chunk-1\n';
        await new Promise((resolve) => setImmediate(resolve));
        yield 'chunk-2\n';
      })(),
    );
  });
  router.post('/fail', (ctx) => {
    anyKey(ctx).set(query(ctx, 'key'), query(ctx, 'value'));
    throw new Error('scenario failure after a write');
  });
  return router;
}
