import { csrf, session } from '@cloakroom/session-koa';
import { bodyParser } from '@koa/bodyparser';
import { Router } from '@koa/router';
import {
  addToCart,
  type DemoAction,
  type DemoData,
  errorOutcome,
  increment,
  listSessions,
  login,
  logout,
  NOT_FOUND,
  type Outcome,
  perform,
  readState,
  renderDemoPage,
  revokeOthers,
} from 'demo-kit';
import Koa, { type Context } from 'koa';
import { scenarioRoutes } from './scenario-routes.ts';

// Types ctx.session: ctx.session.get('cart') is a Promise<string[] | undefined>.
declare module '@cloakroom/session-koa' {
  interface SessionData extends DemoData {}
}

function send(ctx: Context, outcome: Outcome): void {
  ctx.status = outcome.status;
  if (outcome.location !== undefined) ctx.redirect(outcome.location);
  else if (outcome.body !== undefined) ctx.body = outcome.body;
}

// One API route: JSON in and out, or a form post from the page answered with a redirect to /.
const api = (action: DemoAction) => async (ctx: Context) => {
  send(ctx, await perform(action, ctx.session, ctx.request.body, ctx.get('content-type')));
};

/**
 * The demo app: the page, the JSON API and /healthz, with sessions in `options.store`; with
 * `scenarios`, also the shared scenario app's routes under SCENARIO_PREFIX (for apps/e2e).
 */
export function createApp(
  options: Parameters<typeof session>[0],
  scenarios = false,
): {
  app: Koa;
  sessions: ReturnType<typeof session>;
} {
  const app = new Koa();

  // Outermost, so it also answers for session() and csrf(): 503 for a store outage, 403 for CSRF.
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const outcome = errorOutcome(error);
      // A 4xx thrown by the adapter carries the session's headers (a refreshed cookie) on err.headers.
      const headers = (error as { headers?: Record<string, string | string[]> }).headers;
      if (headers && outcome.status < 500) ctx.set(headers);
      send(ctx, outcome);
    }
  });

  // Before session(): a health check never touches the session or sets a cookie.
  const health = new Router();
  health.get('/healthz', (ctx) => {
    ctx.type = 'text/plain';
    ctx.body = 'ok';
  });
  app.use(health.routes());

  const sessions = session(options);
  app.use(sessions);
  app.use(bodyParser({ enableTypes: ['json', 'form'], jsonLimit: '16kb', formLimit: '16kb' }));
  app.use(csrf()); // foreign Origin → 403; form posts need the _csrf field

  const router = new Router();
  router.get('/', async (ctx) => {
    ctx.type = 'html';
    ctx.body = await renderDemoPage(ctx.session, 'Koa');
  });
  router.get('/api/session', async (ctx) => {
    ctx.body = await readState(ctx.session);
  });
  router.get('/api/sessions', async (ctx) => {
    ctx.body = await listSessions(ctx.session);
  });
  router.post('/api/count', api(increment));
  router.post('/api/cart', api(addToCart));
  router.post('/api/login', api(login));
  router.post('/api/logout', api(logout));
  router.post('/api/sessions/revoke-others', api(revokeOthers));
  app.use(router.routes());
  if (scenarios) app.use(scenarioRoutes().routes());

  app.use((ctx) => send(ctx, NOT_FOUND));
  return { app, sessions };
}
