// The app's handlers on Cloakroom's native API.
// #region routes
import { Router } from 'express';

declare module '@cloakroom/session-core' {
  interface AppSession {
    visits: number;
  }
}

export const routes = Router();

routes.post('/sign-in', (req, res) => {
  // after checking the password
  req.session.setUser('ada');
  req.session.regenerate(); // a new id on every privilege change (the data is kept)
  res.json({ ok: true });
});

routes.get('/me', async (req, res) => {
  const user = await req.session.getUser();
  const visits = user ? await req.session.update('visits', (n = 0) => n + 1) : 0;
  res.json({ user, visits });
});

routes.post('/sign-out', (req, res) => {
  req.session.destroy(); // the session ended, its cookie expired
  res.json({ ok: true });
});
// #endregion
