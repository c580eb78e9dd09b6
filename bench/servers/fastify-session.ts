// @fastify/session (with @fastify/cookie) and its default in-memory store.
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import Fastify from 'fastify';
import { IDLE_SECONDS, PORT, SECRET, text } from './common.ts';

declare module 'fastify' {
  interface Session {
    n?: number;
  }
}

const app = Fastify();
await app.register(fastifyCookie);
await app.register(fastifySession, {
  secret: SECRET,
  saveUninitialized: false,
  cookie: { secure: false, httpOnly: true, sameSite: 'lax', maxAge: IDLE_SECONDS * 1000 },
});
app.get('/none', async () => 'ok');
app.get('/read', async (request) => text(request.session.get('n')));
app.get('/write', async (request) => {
  const n = (request.session.get('n') ?? 0) + 1;
  request.session.set('n', n);
  return text(n);
});
const address = new URL(await app.listen({ port: PORT, host: '127.0.0.1' }));
process.stdout.write(`ready ${address.port}\n`);
