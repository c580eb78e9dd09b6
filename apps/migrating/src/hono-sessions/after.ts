// The same app on Cloakroom with a server-side store: sign-out ends the session everywhere.
// #region app
import { memoryStore } from '@cloakroom/session-core';
import { type SessionEnv, session } from '@cloakroom/session-hono';
import { Hono } from 'hono';
import { routes } from './routes.ts';

export const app = new Hono<SessionEnv>();
const sessions = session({
  secret: process.env.CLOAKROOM_SECRET!, // a new random secret of at least 32 bytes
  store: memoryStore(), // one process or isolate; @cloakroom/session-redis for several
  idleTimeout: 24 * 60 * 60, // seconds, like expireAfterSeconds
  cookie: { sameSite: 'lax', secure: 'auto' },
});
app.use(sessions);
app.route('/', routes);
// #endregion

export const close = async (): Promise<void> => {
  await sessions.manager.close();
};
