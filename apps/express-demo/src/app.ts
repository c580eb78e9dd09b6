import { csrf, type SessionOptions, session } from '@cloakroom/session-express';
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
  SCENARIO_PREFIX,
  sessionList,
  unlisted,
} from 'demo-kit';
import express, {
  type ErrorRequestHandler,
  type Express,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { scenarioRoutes } from './scenario-routes.ts';

// Types req.session: req.session.get('cart') is a Promise<string[] | undefined>.
declare module '@cloakroom/session-express' {
  interface SessionData extends DemoData {}
}

function send(res: Response, outcome: Outcome): void {
  if (outcome.location !== undefined) res.redirect(outcome.status, outcome.location);
  else if (outcome.body === undefined) res.status(outcome.status).end();
  else res.status(outcome.status).json(outcome.body);
}

// A POST route: JSON in and out, or a form post from the page answered with a redirect to / (where a
// client error, such as a wrong password, shows as a flash message).
const api =
  (handler: (req: Request) => Promise<unknown>): RequestHandler =>
  async (req, res) => {
    send(res, await perform(req.session, req.get('content-type'), () => handler(req)));
  };

// What GET /api/session answers and the page shows. One store read serves every get; reading the flash
// consumes it (a message is shown once).
async function readState(req: Request): Promise<DemoState> {
  const [user, count = 0, cart = [], flash] = await Promise.all([
    req.session.getUser(),
    req.session.get('count'),
    req.session.get('cart'),
    req.session.consumeFlash(FLASH_KEY),
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
  app: Express;
  sessions: ReturnType<typeof session>;
} {
  const app = express();
  app.disable('x-powered-by');

  // Before session(): a health check never touches the session or sets a cookie.
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });

  const sessions = session(options);
  // "Last seen" in the session list is the stored expiry minus this (core's default when unset): no
  // write per request records it.
  const idleTimeout = options.idleTimeout ?? 86_400;
  app.use(sessions);
  app.use(express.json({ limit: '16kb' }));
  app.use(express.urlencoded({ extended: false, limit: '16kb' }));
  app.use(csrf()); // foreign Origin → 403; form posts need the _csrf field

  app.get('/', async (req, res) => {
    // csrfToken() creates the token on first use and saves it: the page sets the session cookie.
    const [state, csrfToken, device] = await Promise.all([
      readState(req),
      req.session.csrfToken(),
      req.session.get('device'),
    ]);
    const sessions = state.user === null ? null : await req.session.listSessions().catch(unlisted);
    res
      .type('html')
      .send(renderPage(state, { framework: 'Express', csrfToken, sessions, device, idleTimeout }));
  });
  app.get('/api/session', async (req, res) => {
    res.json(await readState(req));
  });
  app.get('/api/sessions', async (req, res) => {
    requireUser(await req.session.getUser()); // 401 when signed out
    res.json(sessionList(await req.session.listSessions().catch(noUserIndex))); // 501 without a user index
  });
  app.post(
    '/api/count',
    api(async (req) => ({ count: await req.session.update('count', (count = 0) => count + 1) })),
  );
  // update() re-runs appendItem's function on the latest cart when a parallel request added meanwhile.
  app.post(
    '/api/cart',
    api(async (req) => ({ cart: await req.session.update('cart', appendItem(req.body)) })),
  );
  app.post(
    '/api/login',
    api(async (req) => {
      const user = checkCredentials(req.body); // 401 for anyone else
      req.session.regenerate(); // a new id on every privilege change: the old cookie stops working
      req.session.setUser(user);
      req.session.set('device', deviceOf(req.get('user-agent')));
      req.session.flash(FLASH_KEY, `Welcome, ${user}`);
      return { user };
    }),
  );
  app.post(
    '/api/logout',
    api(async (req) => req.session.destroy()),
  );
  app.post(
    '/api/sessions/revoke-others',
    api(async (req) => {
      requireUser(await req.session.getUser());
      return { revoked: await req.session.revokeOtherSessions().catch(noUserIndex) };
    }),
  );

  if (scenarios) app.use(SCENARIO_PREFIX, scenarioRoutes());

  app.use((_req, res) => send(res, NOT_FOUND));
  // Express 5 hands rejected async handlers here: 503 for a store outage, 403 for CSRF, 400 for bad JSON.
  const onError: ErrorRequestHandler = (error, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    send(res, errorOutcome(error));
  };
  app.use(onError);
  return { app, sessions };
}
