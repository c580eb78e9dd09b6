// The scenario app of @cloakroom/session-adapter-test (its README lists the routes), on Express.
import { STATUS_CODES } from 'node:http';
import { holdAtGate } from '@cloakroom/session-adapter-test';
import type express from 'express';
import type { Express, NextFunction, Request, Response } from 'express';
import { csrf } from '../csrf.ts';
import { type SessionOptions, session } from '../session.ts';

type Handler = (req: Request, res: Response) => Promise<unknown>;

/** Express 4 does not catch a rejected handler: pass the rejection on, on both versions alike. */
const h =
  (handler: Handler) =>
  (req: Request, res: Response, next: NextFunction): void => {
    handler(req, res).catch(next);
  };

const query = (req: Request, name: string): string => String(req.query[name] ?? '');

export function scenarioApp(framework: typeof express, options: SessionOptions): Express {
  const app = framework();
  app.use(session(options));
  app.use(framework.json(), framework.urlencoded({ extended: false }));
  app.use(csrf());
  app.get('/none', (_req, res) => {
    res.type('text/plain').send('none');
  });
  app.get(
    '/get',
    h(async (req, res) => {
      const key = query(req, 'key');
      res.json((await req.session.exists()) ? { value: await req.session.get(key) } : { value: null });
    }),
  );
  app.post(
    '/set',
    h(async (req, res) => {
      for (const [key, value] of Object.entries(req.body as Record<string, unknown>))
        req.session.set(key, value);
      res.json({ ok: true });
    }),
  );
  app.post(
    '/increment',
    h(async (req, res) => {
      res.json({ value: await req.session.update(query(req, 'key'), (n) => Number(n ?? 0) + 1) });
    }),
  );
  app.post(
    '/regenerate',
    h(async (req, res) => {
      await holdAtGate(req.session, req.query.gate);
      req.session.regenerate();
      res.json({ ok: true });
    }),
  );
  app.post('/destroy', (req, res) => {
    req.session.destroy();
    res.json({ ok: true });
  });
  app.post('/login', (req, res) => {
    req.session.setUser(String((req.body as { user: string }).user));
    req.session.regenerate();
    res.json({ ok: true });
  });
  app.get(
    '/user',
    h(async (req, res) => res.json({ user: await req.session.getUser() })),
  );
  app.post('/flash', (req, res) => {
    req.session.flash('message', (req.body as { message: unknown }).message);
    res.json({ ok: true });
  });
  app.get(
    '/flash',
    h(async (req, res) => res.json({ messages: await req.session.consumeFlash('message') })),
  );
  app.get(
    '/csrf-token',
    h(async (req, res) => res.json({ token: await req.session.csrfToken() })),
  );
  app.post('/form', (req, res) => {
    req.session.set('form', (req.body as { value: string }).value);
    res.json({ ok: true });
  });
  app.post('/write-redirect', (req, res) => {
    req.session.set(query(req, 'key'), query(req, 'value'));
    res.redirect(302, `/get?key=${encodeURIComponent(query(req, 'key'))}`);
  });
  app.post(
    '/stream',
    h(async (req, res) => {
      req.session.set(query(req, 'key'), query(req, 'value'));
      res.type('text/plain');
      res.write('chunk-1\n');
      await new Promise((resolve) => setImmediate(resolve));
      res.write('chunk-2\n');
      res.end();
    }),
  );
  app.post(
    '/fail',
    h(async (req) => {
      req.session.set(query(req, 'key'), query(req, 'value'));
      throw new Error('the handler failed after a write');
    }),
  );
  app.use((error: { status?: unknown }, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const status = typeof error.status === 'number' ? error.status : 500;
    res.status(status).json({ error: STATUS_CODES[status] });
  });
  return app;
}

/** A listening app (the kit's `listen`, under the name this package's tests use). */
export { listen, type Running as Listening } from '@cloakroom/session-adapter-test';
