// Test-only: the apps the compat tests run, written against express-session's API only, so the same
// app runs on real express-session and on the compat middleware. Real Redis, real passport.
import { randomUUID } from 'node:crypto';
import type { FactoryStore } from '@cloakroom/session-adapter-test';
import { CookieClient, listen, type Running } from '@cloakroom/session-adapter-test';
import { redisStoreFactory } from '@cloakroom/test-stores';
import flash from 'connect-flash';
import type express from 'express';
import type { Express as App, NextFunction, Request, RequestHandler, Response } from 'express';
import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { afterEach } from 'vitest';

declare global {
  namespace Express {
    interface User {
      id: string;
    }
  }
}

export const SECRET: string = 'compat-test-secret-0123456789abcdef-0123';
export const REDIS_URL: string = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** A prefix no other run uses. */
export const RUN: string = `cloakroom-h6-${randomUUID().slice(0, 8)}`;

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

/** Runs `close` after the current test. */
export function afterThis(close: () => Promise<void>): void {
  cleanup.push(close);
}

/** A Cloakroom Redis store under a prefix of its own, closed (and its keys deleted) after the test. */
export async function redisStore(): Promise<FactoryStore> {
  const made = await redisStoreFactory({
    url: REDIS_URL,
    prefix: `${RUN}:${randomUUID()}:`,
    failFast: false,
  });
  afterThis(() => made.close());
  return made;
}

/** Serves `app` until the end of the test; a browser-like client for it. */
export async function serve(app: App): Promise<{ server: Running; user: CookieClient }> {
  const server = await listen(app);
  afterThis(() => server.close().catch(() => undefined));
  return { server, user: new CookieClient(server.baseUrl) };
}

export type ExpressFactory = typeof express;

/** The error handler the README shows: the status only. */
export function errorHandler(seen: unknown[] = []) {
  return (error: { status?: unknown }, _req: Request, res: Response, next: NextFunction): void => {
    seen.push(error);
    if (res.headersSent) {
      next(error);
      return;
    }
    res.status(typeof error.status === 'number' ? error.status : 500).json({ error: true });
  };
}

/**
 * A passport-local + connect-flash app on whatever session middleware `mount` installs: sign-in at
 * `POST /login` (and `/login-keep` with `keepSessionInfo`), `GET /me`, `POST /logout`, a cart.
 */
export function passportApp(makeExpress: ExpressFactory, sessionMiddleware: RequestHandler): App {
  const app = makeExpress();
  app.use(sessionMiddleware);
  app.use(makeExpress.urlencoded({ extended: false }));
  app.use(flash());
  const passport = new Passport();
  passport.use(
    new LocalStrategy((username, password, done) => {
      done(null, password === 'right' ? { id: username } : false);
    }),
  );
  passport.serializeUser((user, done) => done(null, user.id));
  passport.deserializeUser((id: string, done) => done(null, { id }));
  app.use(passport.session());
  app.post('/cart', (req, res) => {
    const session = req.session as unknown as { cart?: string[] };
    session.cart ??= [];
    session.cart.push(String(req.body.item));
    res.json({ cart: session.cart });
  });
  app.get('/cart', (req, res) => {
    res.json({ cart: (req.session as unknown as { cart?: string[] }).cart ?? [] });
  });
  const signedIn = (req: Request, res: Response) => {
    req.flash('info', `welcome ${req.user!.id}`);
    res.redirect(303, '/me');
  };
  app.post('/login', passport.authenticate('local', { failWithError: true }), signedIn);
  app.post(
    '/login-keep',
    passport.authenticate('local', { failWithError: true, keepSessionInfo: true }),
    signedIn,
  );
  app.get('/me', (req, res) => {
    if (!req.isAuthenticated()) {
      res.status(401).json({ user: null });
      return;
    }
    res.json({ user: req.user.id, flash: req.flash('info') });
  });
  app.post('/logout', (req, res, next) => {
    req.logout((error) => {
      if (error) next(error);
      else res.json({ out: true });
    });
  });
  app.use(errorHandler());
  return app;
}
