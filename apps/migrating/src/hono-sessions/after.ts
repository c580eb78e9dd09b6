// The same app on Cloakroom: @cloakroom/session-hono with a server-side store.
// #region app
import { memoryStore } from '@cloakroom/session-core';
import { type SessionEnv, session } from '@cloakroom/session-hono';
import { Hono } from 'hono';

declare module '@cloakroom/session-core' {
  interface AppSession {
    visits: number;
  }
}

export const app = new Hono<SessionEnv>();

const sessions = session({
  secret: process.env.CLOAKROOM_SECRET!, // at least 32 bytes; a list rotates secrets
  store: memoryStore(), // one process or isolate; @cloakroom/session-redis for several
  idleTimeout: 24 * 60 * 60, // like expireAfterSeconds
  cookie: { sameSite: 'lax', secure: 'auto' },
});
app.use(sessions);

app.post('/sign-in', (c) => {
  c.get('session').setUser('ada'); // after checking the password
  c.get('session').regenerate(); // a new id on every privilege change
  return c.json({ ok: true });
});

app.get('/me', async (c) => {
  const user = await c.get('session').getUser();
  const visits = user ? await c.get('session').update('visits', (n = 0) => n + 1) : 0;
  return c.json({ user, visits });
});

app.post('/sign-out', (c) => {
  c.get('session').destroy(); // the record deleted: this cookie never works again
  return c.json({ ok: true });
});
// #endregion

export const close = async (): Promise<void> => {
  await sessions.manager.close();
};
