// The demos' JSON API, built in-process from demo-kit and the Express adapter exactly as
// apps/express-demo builds it (its dist is one bundled server, nothing to import): the store, its
// client settings and the error answers all come from demo-kit, so faults meet the demos' real set-up.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { SessionError } from '@cloakroom/session-core';
import { session } from '@cloakroom/session-express';
import {
  addToCart,
  type DemoAction,
  type DemoData,
  errorOutcome,
  increment,
  type Outcome,
  perform,
  readState,
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
  const api =
    (action: DemoAction) =>
    (req: Request, res: Response, next: NextFunction): void => {
      perform(action, req.session, req.body, req.get('content-type')).then(
        (outcome) => send(res, outcome),
        next,
      );
    };
  app.get('/api/session', (req, res, next) => {
    readState(req.session).then((state) => res.json(state), next);
  });
  app.post('/api/count', api(increment));
  app.post('/api/cart', api(addToCart));
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    send(res, errorOutcome(error));
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    reported,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sessions.manager.close();
      await store.close();
    },
  };
}
