// The same app on Cloakroom: @cloakroom/session-express with a server-side store.
// #region app
import { memoryStore } from '@cloakroom/session-core';
import { session } from '@cloakroom/session-express';
import express from 'express';

declare module '@cloakroom/session-core' {
  interface AppSession {
    visits: number;
  }
}

export const app = express();
const sessions = session({
  secret: process.env.CLOAKROOM_SECRET!, // a new random secret of at least 32 bytes
  store: memoryStore(), // one process; @cloakroom/session-redis (or -memcached, -kysely) for several
  idleTimeout: 24 * 60 * 60, // seconds, like iron-session's ttl
  cookie: { sameSite: 'lax', secure: 'auto' },
});
app.use(sessions);

app.post('/sign-in', (req, res) => {
  req.session.setUser('ada'); // after checking the password
  req.session.regenerate(); // a new id on every privilege change
  res.json({ ok: true });
});

app.get('/me', async (req, res) => {
  const user = await req.session.getUser();
  const visits = user ? await req.session.update('visits', (n = 0) => n + 1) : 0;
  res.json({ user, visits });
});

app.post('/sign-out', (req, res) => {
  req.session.destroy(); // the record deleted: this cookie never works again
  res.json({ ok: true });
});
// #endregion

export const close = async (): Promise<void> => {
  await sessions.manager.close();
};
