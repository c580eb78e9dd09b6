// The same app on Cloakroom's sealed-cookie mode: like hono-sessions' CookieStore, no store at all.
// #region app
import { sealedCookies } from '@cloakroom/session-core';
import { type SessionEnv, session } from '@cloakroom/session-hono';
import { Hono } from 'hono';
import { routes } from './routes.ts';

export const app = new Hono<SessionEnv>();
app.use(
  session({
    secret: process.env.CLOAKROOM_SECRET!, // a new random secret of at least 32 bytes
    store: sealedCookies(), // the session sealed into the cookie (AES-256-GCM), nothing on the server
    idleTimeout: 24 * 60 * 60, // seconds, like expireAfterSeconds
    cookie: { sameSite: 'lax', secure: 'auto' },
  }),
);
app.route('/', routes);
// #endregion

export const close = async (): Promise<void> => {};
