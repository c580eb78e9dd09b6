// The session options on Cloakroom: the same for the compatible mode (compat.ts) and the native API
// (after.ts).
// #region options
import type { SessionManagerOptions } from '@cloakroom/session-core';
import { redisStore } from '@cloakroom/session-redis';
import { Redis } from 'ioredis';

export const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');

export const options: SessionManagerOptions = {
  secret: process.env.CLOAKROOM_SECRET!, // a new random secret of at least 32 bytes
  store: redisStore({ client: redis, prefix: 'myapp:cloakroom:' }),
  idleTimeout: 24 * 60 * 60, // seconds, where express-session's cookie.maxAge took milliseconds
  cookie: { sameSite: 'lax', secure: 'auto' },
};
// #endregion

/** Closes the Redis client (the apps' `close`, for the test). */
export const close = async (): Promise<void> => {
  redis.disconnect();
};
