// The same app on Cloakroom's sealed-cookie mode: like koa-session's cookie mode, no store at all.
// #region app
import { sealedCookies } from '@cloakroom/session-core';
import { session } from '@cloakroom/session-koa';
import Koa from 'koa';
import { routes } from './routes.ts';

export const app = new Koa();
app.use(
  session({
    secret: process.env.CLOAKROOM_SECRET!, // a new random secret of at least 32 bytes
    store: sealedCookies(), // the session sealed into the cookie (AES-256-GCM), nothing on the server
    idleTimeout: 24 * 60 * 60, // seconds, where koa-session's maxAge took milliseconds
    cookie: { sameSite: 'lax', secure: 'auto' },
  }),
);
app.use(routes);
// #endregion

export const close = async (): Promise<void> => {};
