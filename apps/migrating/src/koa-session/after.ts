// The same app on Cloakroom with a server-side store: sign-out ends the session everywhere.
// #region app
import { memoryStore } from '@cloakroom/session-core';
import { session } from '@cloakroom/session-koa';
import Koa from 'koa';
import { routes } from './routes.ts';

export const app = new Koa();
const sessions = session({
  secret: process.env.CLOAKROOM_SECRET!, // a new random secret of at least 32 bytes
  store: memoryStore(), // one process; @cloakroom/session-redis (or -memcached, -kysely) for several
  idleTimeout: 24 * 60 * 60, // seconds, where koa-session's maxAge took milliseconds
  cookie: { sameSite: 'lax', secure: 'auto' },
});
app.use(sessions);
app.use(routes);
// #endregion

export const close = async (): Promise<void> => {
  await sessions.manager.close();
};
