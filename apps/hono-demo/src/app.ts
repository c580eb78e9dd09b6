import {
  csrf,
  type SessionEnv,
  type SessionMiddleware,
  type SessionOptions,
  session,
} from '@cloakroom/session-hono';
import {
  appendItem,
  checkCredentials,
  type DemoData,
  type DemoState,
  deviceOf,
  errorOutcome,
  FLASH_KEY,
  isFormPost,
  NOT_FOUND,
  noUserIndex,
  type Outcome,
  perform,
  renderPage,
  requireUser,
  SCENARIO_PREFIX,
  sessionList,
  unlisted,
} from 'demo-kit';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode, RedirectStatusCode } from 'hono/utils/http-status';
import { scenarioRoutes } from './scenario-routes.ts';

type DemoEnv = SessionEnv<DemoData>;

function send(c: Context, outcome: Outcome): Response {
  if (outcome.location !== undefined)
    return c.redirect(outcome.location, outcome.status as RedirectStatusCode);
  if (outcome.body === undefined) return c.body(null, outcome.status as 204);
  return c.json(outcome.body, outcome.status as ContentfulStatusCode);
}

// The request body: a form (parsed, and cached, by csrf() already), JSON, or nothing.
async function body(c: Context): Promise<unknown> {
  const type = c.req.header('content-type');
  if (isFormPost(type)) return c.req.parseBody();
  if (!/^application\/json\b/i.test(type ?? '')) return undefined;
  try {
    return await c.req.json();
  } catch {
    throw new HTTPException(400, { message: 'The body is not valid JSON.' });
  }
}

// A POST route: JSON in and out, or a form post from the page answered with a redirect to / (where a
// client error, such as a wrong password, shows as a flash message).
const api = (handler: (c: Context<DemoEnv>) => Promise<unknown>) => async (c: Context<DemoEnv>) =>
  send(c, await perform(c.get('session'), c.req.header('content-type'), () => handler(c)));

// What GET /api/session answers and the page shows. One store read serves every get; reading the flash
// consumes it (a message is shown once).
async function readState(c: Context<DemoEnv>): Promise<DemoState> {
  const session = c.get('session');
  const [user, count = 0, cart = [], flash] = await Promise.all([
    session.getUser(),
    session.get('count'),
    session.get('cart'),
    session.consumeFlash(FLASH_KEY),
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
  app: Hono<DemoEnv>;
  sessions: SessionMiddleware<DemoData>;
} {
  const app = new Hono<DemoEnv>();

  // Before session(): a health check never touches the session or sets a cookie.
  app.get('/healthz', (c) => c.text('ok'));

  const sessions = session<DemoData>(options);
  // "Last seen" in the session list is the stored expiry minus this (core's default when unset): no
  // write per request records it.
  const idleTimeout = options.idleTimeout ?? 86_400;
  app.use(
    bodyLimit({
      maxSize: 16 * 1024,
      onError: (c) => send(c, { status: 413, body: { error: 'The body is too large.' } }),
    }),
  );
  app.use(sessions);
  app.use(csrf()); // foreign Origin → 403; form posts need the _csrf field

  app.get('/', async (c) => {
    const session = c.get('session');
    // csrfToken() creates the token on first use and saves it: the page sets the session cookie.
    const [state, csrfToken, device] = await Promise.all([
      readState(c),
      session.csrfToken(),
      session.get('device'),
    ]);
    const sessions = state.user === null ? null : await session.listSessions().catch(unlisted);
    return c.html(renderPage(state, { framework: 'Hono', csrfToken, sessions, device, idleTimeout }));
  });
  app.get('/api/session', async (c) => c.json(await readState(c)));
  app.get('/api/sessions', async (c) => {
    requireUser(await c.get('session').getUser()); // 401 when signed out
    return c.json(sessionList(await c.get('session').listSessions().catch(noUserIndex))); // 501 without a user index
  });
  app.post(
    '/api/count',
    api(async (c) => ({ count: await c.get('session').update('count', (count = 0) => count + 1) })),
  );
  // update() re-runs appendItem's function on the latest cart when a parallel request added meanwhile.
  app.post(
    '/api/cart',
    api(async (c) => ({ cart: await c.get('session').update('cart', appendItem(await body(c))) })),
  );
  app.post(
    '/api/login',
    api(async (c) => {
      const user = checkCredentials(await body(c)); // 401 for anyone else
      const session = c.get('session');
      session.regenerate(); // a new id on every privilege change: the old cookie stops working
      session.setUser(user);
      session.set('device', deviceOf(c.req.header('user-agent')));
      session.flash(FLASH_KEY, `Welcome, ${user}`);
      return { user };
    }),
  );
  app.post(
    '/api/logout',
    api(async (c) => c.get('session').destroy()),
  );
  app.post(
    '/api/sessions/revoke-others',
    api(async (c) => {
      requireUser(await c.get('session').getUser());
      return { revoked: await c.get('session').revokeOtherSessions().catch(noUserIndex) };
    }),
  );

  if (scenarios) app.route(SCENARIO_PREFIX, scenarioRoutes());

  app.notFound((c) => send(c, NOT_FOUND));
  // 503 for a store outage (an HTTPException around the SessionStoreError), 403 for CSRF, DemoError's own.
  app.onError((error, c) => send(c, errorOutcome(error)));
  return { app, sessions };
}
