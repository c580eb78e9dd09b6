// iron-session (the whole session sealed into the cookie) on Express; it is called per route, so
// /none never touches it.
import express from 'express';
import { getIronSession, type SessionOptions } from 'iron-session';
import { announce, IDLE_SECONDS, PORT, SECRET, text } from './common.ts';

interface Data {
  n?: number;
}

const options: SessionOptions = {
  password: SECRET,
  cookieName: 'iron',
  ttl: IDLE_SECONDS,
  cookieOptions: { secure: false, httpOnly: true, sameSite: 'lax' },
};

const app = express();
app.get('/none', (_req, res) => {
  res.send('ok');
});
app.get('/read', async (req, res) => {
  const session = await getIronSession<Data>(req, res, options);
  res.send(text(session.n));
});
app.get('/write', async (req, res) => {
  const session = await getIronSession<Data>(req, res, options);
  session.n = (session.n ?? 0) + 1;
  await session.save();
  res.send(text(session.n));
});
const server = app.listen(PORT, '127.0.0.1', () => announce(server));
