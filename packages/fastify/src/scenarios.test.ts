// The shared HTTP scenario suite on Fastify 5, on the kit's targets: the memory store, the machine's
// Redis (REDIS_URL), each with a second app instance over the same store, and the outage scenarios on a
// private redis-server the suite stops and restarts.
import { describeAdapterTargets } from '@cloakroom/session-adapter-test';
import { redisStoreFactory } from '@cloakroom/test-stores';
import { scenarioApp, serve } from './testing/scenario-app.ts';

describeAdapterTargets('fastify 5', {
  start: async (options) => serve(await scenarioApp(options)),
  redis: redisStoreFactory,
});
