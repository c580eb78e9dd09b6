// The app before the move: iron-session (the whole session sealed into the cookie) on Express.
// #region app
import express from 'express';
import { getIronSession, type SessionOptions } from 'iron-session';

interface SessionData {
  user: string;
  visits: number;
}

const sessionOptions: SessionOptions = {
  password: process.env.SESSION_SECRET!, // at least 32 characters
  cookieName: 'myapp_session',
  ttl: 24 * 60 * 60,
  cookieOptions: { secure: process.env.NODE_ENV === 'production', sameSite: 'lax', httpOnly: true },
};

export const app = express();

app.post('/sign-in', async (req, res) => {
  const session = await getIronSession<SessionData>(req, res, sessionOptions);
  session.user = 'ada'; // after checking the password
  await session.save();
  res.json({ ok: true });
});

app.get('/me', async (req, res) => {
  const session = await getIronSession<SessionData>(req, res, sessionOptions);
  if (session.user) {
    session.visits = (session.visits ?? 0) + 1;
    await session.save();
  }
  res.json({ user: session.user ?? null, visits: session.visits ?? 0 });
});

app.post('/sign-out', async (req, res) => {
  const session = await getIronSession<SessionData>(req, res, sessionOptions);
  session.destroy();
  res.json({ ok: true });
});
// #endregion

export const close = async (): Promise<void> => {};
