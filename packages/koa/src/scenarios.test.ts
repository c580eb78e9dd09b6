// The shared HTTP scenario suite on Koa 3 and Koa 2, on the kit's targets: the memory store, the
// machine's Redis (REDIS_URL), each with a second app instance over the same store, and the outage
// scenarios on a private redis-server the suite stops and restarts.
import { describeAdapterTargets, listen } from '@cloakroom/session-adapter-test';
import { redisStoreFactory } from '@cloakroom/test-stores';
import Koa from 'koa';
import Koa2 from 'koa2';
import { scenarioApp } from './testing/scenario-app.ts';

for (const [name, KoaClass] of [
  ['koa 3', Koa],
  ['koa 2', Koa2],
] as const) {
  describeAdapterTargets(name, {
    start: (options) => listen(scenarioApp(KoaClass, options).callback()),
    redis: redisStoreFactory,
  });
}
