// hono-sessions with its MemoryStore.
import type { Server } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { MemoryStore, type Session, sessionMiddleware } from 'hono-sessions';
import { announce, IDLE_SECONDS, PORT, SECRET, text } from './common.ts';

const app = new Hono<{ Variables: { session: Session<{ n: number }>; session_key_rotation: boolean } }>();
app.use(
  '*',
  sessionMiddleware({
    store: new MemoryStore(),
    encryptionKey: SECRET,
    expireAfterSeconds: IDLE_SECONDS,
    cookieOptions: { sameSite: 'Lax', path: '/', httpOnly: true },
  }),
);
app.get('/none', (c) => c.text('ok'));
app.get('/read', (c) => c.text(text(c.get('session').get('n'))));
app.get('/write', (c) => {
  const session = c.get('session');
  const n = (session.get('n') ?? 0) + 1;
  session.set('n', n);
  return c.text(text(n));
});
const server = serve({ fetch: app.fetch, port: PORT, hostname: '127.0.0.1' }, () =>
  announce(server as Server),
);
