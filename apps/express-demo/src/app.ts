import { csrf, session } from '@cloakroom/session-express';
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
  SCENARIO_PREFIX,
} from 'demo-kit';
import express, { type ErrorRequestHandler, type Express, type RequestHandler, type Response } from 'express';
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

// One API route: JSON in and out, or a form post from the page answered with a redirect to /.
const api =
  (action: DemoAction): RequestHandler =>
  async (req, res) => {
    send(res, await perform(action, req.session, req.body, req.get('content-type')));
  };

/**
 * The demo app: the page, the JSON API and /healthz, with sessions in `options.store`; with
 * `scenarios`, also the shared scenario app's routes under SCENARIO_PREFIX (for apps/e2e).
 */
export function createApp(
  options: Parameters<typeof session>[0],
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
  app.use(sessions);
  app.use(express.json({ limit: '16kb' }));
  app.use(express.urlencoded({ extended: false, limit: '16kb' }));
  app.use(csrf()); // foreign Origin → 403; form posts need the _csrf field

  app.get('/', async (req, res) => {
    res.type('html').send(await renderDemoPage(req.session, 'Express'));
  });
  app.get('/api/session', async (req, res) => {
    res.json(await readState(req.session));
  });
  app.get('/api/sessions', async (req, res) => {
    res.json(await listSessions(req.session));
  });
  app.post('/api/count', api(increment));
  app.post('/api/cart', api(addToCart));
  app.post('/api/login', api(login));
  app.post('/api/logout', api(logout));
  app.post('/api/sessions/revoke-others', api(revokeOthers));

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
