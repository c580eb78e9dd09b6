// The app before the move: @fastify/session (with @fastify/cookie) and its in-memory store.
// #region app
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import Fastify from 'fastify';

declare module 'fastify' {
  interface Session {
    user?: string;
    visits?: number;
  }
}

export const app = Fastify();
await app.register(fastifyCookie);
await app.register(fastifySession, {
  secret: process.env.SESSION_SECRET!, // at least 32 characters
  cookieName: 'sessionId',
  saveUninitialized: false,
  rolling: true,
  cookie: { maxAge: 24 * 60 * 60 * 1000, httpOnly: true, sameSite: 'lax', secure: 'auto' },
});

app.post('/sign-in', async (request) => {
  await request.session.regenerate(); // a new id; the data is not kept
  request.session.set('user', 'ada'); // after checking the password
  return { ok: true };
});

app.get('/me', async (request) => {
  const user = request.session.get('user');
  if (user) request.session.set('visits', (request.session.get('visits') ?? 0) + 1);
  return { user: user ?? null, visits: request.session.get('visits') ?? 0 };
});

app.post('/sign-out', async (request) => {
  await request.session.destroy();
  return { ok: true };
});
// #endregion

export const close = async (): Promise<void> => {
  await app.close();
};
