// The same app on Cloakroom: @cloakroom/session-fastify, no @fastify/cookie needed.
// #region app
import { memoryStore } from '@cloakroom/session-core';
import { session } from '@cloakroom/session-fastify';
import Fastify from 'fastify';

declare module '@cloakroom/session-core' {
  interface AppSession {
    visits: number;
  }
}

export const app = Fastify();
await app.register(session, {
  secret: process.env.CLOAKROOM_SECRET!, // at least 32 bytes; a list rotates secrets
  store: memoryStore(), // one process; @cloakroom/session-redis (or -memcached, -kysely) for several
  idleTimeout: 24 * 60 * 60, // seconds, where cookie.maxAge took milliseconds
  cookie: { sameSite: 'lax', secure: 'auto' },
});
app.addHook('onClose', () => app.sessionManager.close());

app.post('/sign-in', async (request) => {
  request.session.setUser('ada'); // after checking the password
  request.session.regenerate(); // a new id, the data kept, the old record deleted
  return { ok: true };
});

app.get('/me', async (request) => {
  const user = await request.session.getUser();
  const visits = user ? await request.session.update('visits', (n = 0) => n + 1) : 0;
  return { user, visits };
});

app.post('/sign-out', async (request) => {
  request.session.destroy();
  return { ok: true };
});
// #endregion

export const close = async (): Promise<void> => {
  await app.close();
};
