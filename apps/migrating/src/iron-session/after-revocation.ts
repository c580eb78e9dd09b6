// The sealed-cookie app with a revocation store: sign-out holds against copied cookies too.
// #region app
import { sealedCookies } from '@cloakroom/session-core';
import { session } from '@cloakroom/session-express';
import { redisStore } from '@cloakroom/session-redis';
import express from 'express';
import { Redis } from 'ioredis';
import { routes } from './routes.ts';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
// The session stays sealed in the cookie; Redis only remembers which sessions ended, until they expire.
const store = sealedCookies({ revocation: redisStore({ client: redis, prefix: 'myapp:revoked:' }) });

export const app = express();
app.use(session({ secret: process.env.CLOAKROOM_SECRET!, store, cookie: { secure: 'auto' } }));
app.use(routes);
// #endregion

export const close = async (): Promise<void> => {
  redis.disconnect();
};
