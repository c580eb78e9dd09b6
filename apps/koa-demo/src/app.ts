import { csrf, type SessionOptions, session } from '@cloakroom/session-koa';
import { bodyParser } from '@koa/bodyparser';
import { Router } from '@koa/router';
import {
  appendItem,
  checkCredentials,
  type DemoData,
  type DemoState,
  deviceOf,
  errorOutcome,
  FLASH_KEY,
  NOT_FOUND,
  noUserIndex,
  type Outcome,
  perform,
  renderPage,
  requireUser,
  sessionList,
  unlisted,
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

// A POST route: JSON in and out, or a form post from the page answered with a redirect to / (where a
// client error, such as a wrong password, shows as a flash message).
const api = (handler: (ctx: Context) => Promise<unknown>) => async (ctx: Context) => {
  send(ctx, await perform(ctx.session, ctx.get('content-type'), () => handler(ctx)));
};

// What GET /api/session answers and the page shows. One store read serves every get; reading the flash
// consumes it (a message is shown once).
async function readState(ctx: Context): Promise<DemoState> {
  const [user, count = 0, cart = [], flash] = await Promise.all([
    ctx.session.getUser(),
    ctx.session.get('count'),
    ctx.session.get('cart'),
    ctx.session.consumeFlash(FLASH_KEY),
  ]);
  return { user, count, cart, flash: flash.map(String) };
}

/**
 * The demo app: the page, the JSON API and /healthz, with sessions in `options.store`; with
 * `scenarios`, also the shared scenario app's routes under SCENARIO_PREFIX (for apps/e2e).
 */
export function createApp(
  options: SessionOptions,
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
  // "Last seen" in the session list is the stored expiry minus this (core's default when unset): no
  // write per request records it.
  const idleTimeout = options.idleTimeout ?? 86_400;
  app.use(sessions);
  app.use(bodyParser({ enableTypes: ['json', 'form'], jsonLimit: '16kb', formLimit: '16kb' }));
  app.use(csrf()); // foreign Origin → 403; form posts need the _csrf field

  const router = new Router();
  router.get('/', async (ctx) => {
    // csrfToken() creates the token on first use and saves it: the page sets the session cookie.
    const [state, csrfToken, device] = await Promise.all([
      readState(ctx),
      ctx.session.csrfToken(),
      ctx.session.get('device'),
    ]);
    const sessions = state.user === null ? null : await ctx.session.listSessions().catch(unlisted);
    ctx.type = 'html';
    ctx.body = renderPage(state, { framework: 'Koa', csrfToken, sessions, device, idleTimeout });
  });
  router.get('/api/session', async (ctx) => {
    ctx.body = await readState(ctx);
  });
  router.get('/api/sessions', async (ctx) => {
    requireUser(await ctx.session.getUser()); // 401 when signed out
    ctx.body = sessionList(await ctx.session.listSessions().catch(noUserIndex)); // 501 without a user index
  });
  router.post(
    '/api/count',
    api(async (ctx) => ({ count: await ctx.session.update('count', (count = 0) => count + 1) })),
  );
  // update() re-runs appendItem's function on the latest cart when a parallel request added meanwhile.
  router.post(
    '/api/cart',
    api(async (ctx) => ({ cart: await ctx.session.update('cart', appendItem(ctx.request.body)) })),
  );
  router.post(
    '/api/login',
    api(async (ctx) => {
      const user = checkCredentials(ctx.request.body); // 401 for anyone else
      ctx.session.regenerate(); // a new id on every privilege change: the old cookie stops working
      ctx.session.setUser(user);
      ctx.session.set('device', deviceOf(ctx.get('user-agent')));
      ctx.session.flash(FLASH_KEY, `Welcome, ${user}`);
      return { user };
    }),
  );
  router.post(
    '/api/logout',
    api(async (ctx) => ctx.session.destroy()),
  );
  router.post(
    '/api/sessions/revoke-others',
    api(async (ctx) => {
      requireUser(await ctx.session.getUser());
      return { revoked: await ctx.session.revokeOtherSessions().catch(noUserIndex) };
    }),
  );
  app.use(router.routes());
  if (scenarios) app.use(scenarioRoutes().routes());

  app.use((ctx) => send(ctx, NOT_FOUND));
  return { app, sessions };
}
