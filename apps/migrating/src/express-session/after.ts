// The same app on Cloakroom's native API: @cloakroom/session-express with @cloakroom/session-redis.
// The test closes the Redis client with this.
export { close } from './options.ts';

// #region app
import { session } from '@cloakroom/session-express';
import express from 'express';
import { options } from './options.ts';
import { routes } from './routes.ts';

export const app = express();
app.use(session(options));
app.use(routes);
// #endregion
