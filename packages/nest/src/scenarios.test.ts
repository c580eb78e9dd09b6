// The shared HTTP scenario suite, on Nest's Express and Fastify platforms, on the kit's targets: the
// memory store, the machine's Redis (REDIS_URL) and, for the outage scenarios, a private redis-server
// that goes down.
import { describeAdapterTargets } from '@cloakroom/session-adapter-test';
import { redisStoreFactory } from '@cloakroom/test-stores';
import { SessionModule } from './session-module.ts';
import { type Platform, startApp } from './testing/scenario-app.ts';

for (const platform of ['express', 'fastify'] as const satisfies readonly Platform[]) {
  describeAdapterTargets(`nest on ${platform}`, {
    start: (options) => startApp(platform, { imports: [SessionModule.forRoot({ ...options, csrf: true })] }),
    redis: redisStoreFactory,
  });
}
