// The app's handlers on Cloakroom: the same whether the session is in a store or sealed into the cookie.
// #region routes
import type { SessionEnv } from '@cloakroom/session-hono';
import { Hono } from 'hono';

declare module '@cloakroom/session-core' {
  interface AppSession {
    visits: number;
  }
}

export const routes = new Hono<SessionEnv>();

routes.post('/sign-in', (c) => {
  c.get('session').setUser('ada'); // after checking the password
  c.get('session').regenerate(); // a new id on every privilege change (the data is kept)
  return c.json({ ok: true });
});

routes.get('/me', async (c) => {
  const user = await c.get('session').getUser();
  const visits = user ? await c.get('session').update('visits', (n = 0) => n + 1) : 0;
  return c.json({ user, visits });
});

routes.post('/sign-out', (c) => {
  c.get('session').destroy(); // the session ended, its cookie expired
  return c.json({ ok: true });
});
// #endregion
