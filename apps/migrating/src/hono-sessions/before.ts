// The app before the move: hono-sessions with its CookieStore (the session encrypted into the cookie).
// #region app
import { Hono } from 'hono';
import { CookieStore, type Session, sessionMiddleware } from 'hono-sessions';

interface SessionData {
  user: string;
  visits: number;
}

export const app = new Hono<{
  Variables: { session: Session<SessionData>; session_key_rotation: boolean };
}>();

app.use(
  '*',
  sessionMiddleware({
    store: new CookieStore(),
    encryptionKey: process.env.SESSION_SECRET!, // at least 32 characters
    expireAfterSeconds: 24 * 60 * 60,
    autoExtendExpiration: true,
    sessionCookieName: 'session',
    cookieOptions: { sameSite: 'Lax', path: '/', httpOnly: true },
  }),
);

app.post('/sign-in', (c) => {
  c.get('session').set('user', 'ada'); // after checking the password
  return c.json({ ok: true });
});

app.get('/me', (c) => {
  const session = c.get('session');
  const user = session.get('user');
  if (user) session.set('visits', (session.get('visits') ?? 0) + 1);
  return c.json({ user: user ?? null, visits: session.get('visits') ?? 0 });
});

app.post('/sign-out', (c) => {
  c.get('session').deleteSession();
  return c.json({ ok: true });
});
// #endregion

export const close = async (): Promise<void> => {};
