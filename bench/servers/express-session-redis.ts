// express-session with connect-redis (which needs the node-redis client).
import { RedisStore } from 'connect-redis';
import express from 'express';
import expressSession from 'express-session';
import { createClient } from 'redis';
import { announce, IDLE_SECONDS, onShutdown, PORT, PREFIX, REDIS_URL, SECRET, text } from './common.ts';

// Cloakroom's Express adapter and @types/express-session both declare \`req.session\` in this one
// TypeScript program, so the peer's session is typed here by hand.
type PeerSession = { n?: number };

const client = createClient({ url: REDIS_URL });
await client.connect();
onShutdown(() => client.quit());

const app = express();
app.use(
  expressSession({
    store: new RedisStore({ client, prefix: `${PREFIX}es:` }),
    secret: SECRET,
    resave: false,
    saveUninitialized: false,
    cookie: { secure: false, httpOnly: true, sameSite: 'lax', maxAge: IDLE_SECONDS * 1000 },
  }),
);
app.get('/none', (_req, res) => {
  res.send('ok');
});
app.get('/read', (req, res) => {
  res.send(text((req.session as unknown as PeerSession).n));
});
app.get('/write', (req, res) => {
  const session = req.session as unknown as PeerSession;
  session.n = (session.n ?? 0) + 1;
  res.send(text(session.n));
});
const server = app.listen(PORT, '127.0.0.1', () => announce(server));
