// The same app on Cloakroom's sealed-cookie mode: still no store, the session sealed into the cookie.
// #region app
import { sealedCookies } from '@cloakroom/session-core';
import { session } from '@cloakroom/session-express';
import express from 'express';
import { routes } from './routes.ts';

export const app = express();
app.use(
  session({
    secret: process.env.CLOAKROOM_SECRET!, // a new random secret of at least 32 bytes
    store: sealedCookies(), // the session sealed into the cookie (AES-256-GCM), nothing on the server
    idleTimeout: 24 * 60 * 60, // seconds, like iron-session's ttl
    cookie: { sameSite: 'lax', secure: 'auto' },
  }),
);
app.use(routes);
// #endregion

export const close = async (): Promise<void> => {};
