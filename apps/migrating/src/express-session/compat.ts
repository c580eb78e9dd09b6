// The same app on Cloakroom's express-session-compatible mode: the handlers are untouched, and the
// sessions express-session left in Redis are carried over on each browser's next request.
// The test closes the Redis client with this.
export { close } from './options.ts';

// #region app
import { redisLegacySource, session } from '@cloakroom/session-express/compat';
import express from 'express';
import { handlers } from './handlers.ts';
import { options, redis } from './options.ts';

declare module '@cloakroom/session-core' {
  interface AppSession {
    user: string;
    visits: number;
  }
}

// Whose session it is, for the per-user index (with passport: passportUser from the same import).
const user = (data: Readonly<Record<string, unknown>>) => (typeof data.user === 'string' ? data.user : null);

export const app = express();
app.use(
  session({
    ...options,
    user,
    legacy: {
      source: redisLegacySource({ client: redis, prefix: 'myapp:' }), // connect-redis's prefix
      secrets: process.env.SESSION_SECRET!, // the old secret: verifies old cookies, never signs
      name: 'sid', // the old cookie's name
      user, // the carried sessions' user
    },
  }),
);
app.use(handlers); // handlers.ts, unchanged
// #endregion
