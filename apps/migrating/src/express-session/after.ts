// The same app on Cloakroom's native API: @cloakroom/session-express with @cloakroom/session-redis.
// #region app
import { session } from '@cloakroom/session-express';
import { redisStore } from '@cloakroom/session-redis';
import express from 'express';
import { Redis } from 'ioredis';

declare module '@cloakroom/session-core' {
  interface AppSession {
    visits: number;
  }
}

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');

export const app = express();
app.use(
  session({
    secret: process.env.CLOAKROOM_SECRET!, // a new random secret of at least 32 bytes
    store: redisStore({ client: redis, prefix: 'myapp:cloakroom:' }),
    idleTimeout: 24 * 60 * 60, // seconds, where express-session's cookie.maxAge took milliseconds
    cookie: { sameSite: 'lax', secure: 'auto' },
  }),
);

app.post('/sign-in', (req, res) => {
  // after checking the password
  req.session.setUser('ada');
  req.session.regenerate(); // a new id, the data kept, the old record deleted
  res.json({ ok: true });
});

app.get('/me', async (req, res) => {
  const user = await req.session.getUser();
  const visits = user ? await req.session.update('visits', (n = 0) => n + 1) : 0;
  res.json({ user, visits });
});

app.post('/sign-out', (req, res) => {
  req.session.destroy(); // the record deleted, the cookie expired
  res.json({ ok: true });
});
// #endregion

export const close = async (): Promise<void> => {
  redis.disconnect();
};
