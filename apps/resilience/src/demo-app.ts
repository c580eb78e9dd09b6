// The demos' JSON API, built in-process from demo-kit and the Express adapter exactly as
// apps/express-demo builds it (its dist is one bundled server, nothing to import): the store, its
// client settings and the error answers all come from demo-kit, so faults meet the demos' real set-up.
import { listen } from '@cloakroom/session-adapter-test';
import type { SessionError } from '@cloakroom/session-core';
import { session } from '@cloakroom/session-express';
import {
  appendItem,
  type DemoData,
  errorOutcome,
  FLASH_KEY,
  type Outcome,
  perform,
  setUpDemo,
} from 'demo-kit';
import express, { type NextFunction, type Request, type Response } from 'express';

declare module '@cloakroom/session-express' {
  interface SessionData extends DemoData {}
}

/** A demo API listening on loopback. */
export interface DemoApp {
  readonly baseUrl: string;
  /** Non-fatal session errors the manager reported (corrupt records, dropped writes). */
  readonly reported: SessionError[];
  close(): Promise<void>;
}

function send(res: Response, outcome: Outcome): void {
  if (outcome.body === undefined) res.status(outcome.status).end();
  else res.status(outcome.status).json(outcome.body);
}

/**
 * Starts the demo API (`GET /api/session`, `POST /api/count`, `POST /api/cart`, `GET /healthz`) with the
 * store `env` names (the demos' variables: `SESSION_STORE`, `REDIS_URL`, …).
 * @example
 * const demo = await startDemoApp({ SESSION_STORE: 'redis', REDIS_URL: 'redis://127.0.0.1:6379' });
 */
export async function startDemoApp(env: Record<string, string>): Promise<DemoApp> {
  const { store, sessionOptions } = await setUpDemo(
    { SESSION_SECRET: 'resilience-demo-secret-0123456789abcdef', SESSION_COOKIE_SECURE: 'false', ...env },
    0,
  );
  const reported: SessionError[] = [];
  const sessions = session({ ...sessionOptions, onError: (error) => reported.push(error) });
  const app = express();
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  app.use(sessions);
  app.use(express.json({ limit: '16kb' }));
  // The express-demo's handlers for these routes.
  const api =
    (handler: (req: Request) => Promise<unknown>) =>
    (req: Request, res: Response, next: NextFunction): void => {
      perform(req.session, req.get('content-type'), () => handler(req)).then(
        (outcome) => send(res, outcome),
        next,
      );
    };
  app.get('/api/session', async (req, res) => {
    const [user, count = 0, cart = [], flash] = await Promise.all([
      req.session.getUser(),
      req.session.get('count'),
      req.session.get('cart'),
      req.session.consumeFlash(FLASH_KEY),
    ]);
    res.json({ user, count, cart, flash: flash.map(String) });
  });
  app.post(
    '/api/count',
    api(async (req) => ({ count: await req.session.update('count', (count = 0) => count + 1) })),
  );
  app.post(
    '/api/cart',
    api(async (req) => ({ cart: await req.session.update('cart', appendItem(req.body)) })),
  );
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    send(res, errorOutcome(error));
  });
  const server = await listen(app);
  return {
    baseUrl: server.baseUrl,
    reported,
    async close() {
      await server.close();
      await sessions.manager.close();
      await store.close();
    },
  };
}
