// The shared HTTP scenario suite on Hono over @hono/node-server, on the kit's targets: the memory store,
// the machine's Redis (REDIS_URL), each with a second app instance over the same store, and the outage
// scenarios on a private redis-server the suite stops and restarts.
import { describeAdapterTargets } from '@cloakroom/session-adapter-test';
import { redisStoreFactory } from '@cloakroom/test-stores';
import { scenarioApp } from './testing/scenario-app.ts';
import { listen } from './testing/test-support.ts';

describeAdapterTargets('hono 4 on @hono/node-server', {
  start: (options) => listen(scenarioApp(options).fetch),
  redis: redisStoreFactory,
});
