// Registers the scenario suite against one Express version on the kit's targets: the memory store, the
// machine's Redis (REDIS_URL) and a private redis-server that goes down. The Redis store comes from the
// workspace-private @cloakroom/test-stores, so this package lists no store package.
import { describeAdapterTargets } from '@cloakroom/session-adapter-test';
import { redisStoreFactory } from '@cloakroom/test-stores';
import type express from 'express';
import { listen, scenarioApp } from './scenario-app.ts';

export function describeExpressScenarios(name: string, framework: typeof express): void {
  describeAdapterTargets(name, {
    start: (options) => listen(scenarioApp(framework, options)),
    redis: redisStoreFactory,
  });
}
