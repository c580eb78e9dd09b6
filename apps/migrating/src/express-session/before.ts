// The app before the move: express-session with connect-redis, as its READMEs set it up.
// #region app
import { RedisStore } from 'connect-redis';
import express from 'express';
import session from 'express-session';
import { createClient } from 'redis';
import { handlers } from './handlers.ts';

declare module 'express-session' {
  interface SessionData {
    user: string;
    visits: number;
  }
}

const redis = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
await redis.connect();

export const app = express();
app.use(
  session({
    name: 'sid',
    secret: process.env.SESSION_SECRET!, // 'keyboard cat' in many apps: far under 32 bytes
    store: new RedisStore({ client: redis, prefix: 'myapp:' }),
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { maxAge: 24 * 60 * 60 * 1000, httpOnly: true, sameSite: 'lax', secure: 'auto' },
  }),
);
app.use(handlers);
// #endregion

export const close = async (): Promise<void> => {
  await redis.quit();
};
