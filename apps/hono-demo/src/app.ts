import {
  csrf,
  type SessionEnv,
  type SessionMiddleware,
  type SessionOptions,
  session,
} from '@cloakroom/session-hono';
import {
  addToCart,
  type DemoAction,
  type DemoData,
  errorOutcome,
  increment,
  isFormPost,
  listSessions,
  login,
  logout,
  NOT_FOUND,
  type Outcome,
  perform,
  readState,
  renderDemoPage,
  revokeOthers,
  SCENARIO_PREFIX,
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

// One API route: JSON in and out, or a form post from the page answered with a redirect to /.
const api = (action: DemoAction) => async (c: Context<DemoEnv>) =>
  send(c, await perform(action, c.get('session'), await body(c), c.req.header('content-type')));

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
  app.use(
    bodyLimit({
      maxSize: 16 * 1024,
      onError: (c) => send(c, { status: 413, body: { error: 'The body is too large.' } }),
    }),
  );
  app.use(sessions);
  app.use(csrf()); // foreign Origin → 403; form posts need the _csrf field

  app.get('/', async (c) => c.html(await renderDemoPage(c.get('session'), 'Hono')));
  app.get('/api/session', async (c) => c.json(await readState(c.get('session'))));
  app.get('/api/sessions', async (c) => c.json(await listSessions(c.get('session'))));
  app.post('/api/count', api(increment));
  app.post('/api/cart', api(addToCart));
  app.post('/api/login', api(login));
  app.post('/api/logout', api(logout));
  app.post('/api/sessions/revoke-others', api(revokeOthers));

  if (scenarios) app.route(SCENARIO_PREFIX, scenarioRoutes());

  app.notFound((c) => send(c, NOT_FOUND));
  // 503 for a store outage (an HTTPException around the SessionStoreError), 403 for CSRF, DemoError's own.
  app.onError((error, c) => send(c, errorOutcome(error)));
  return { app, sessions };
}
