// Issue 13: update() answers what the store holds, proven with separate processes on one Redis.
import { describeUpdateRace } from '@cloakroom/session-store-test';
import { inject } from 'vitest';
import { REDIS_URL, runPrefix } from './testing/clients.ts';

const worker = new URL('./testing/update-race-worker.ts', import.meta.url);

describeUpdateRace({
  name: `redis (single node at ${REDIS_URL})`,
  worker,
  args: () => ['single', REDIS_URL, runPrefix('update-race')],
});

describeUpdateRace({
  name: 'redis (3-master Redis Cluster)',
  worker,
  args: () => ['cluster', runPrefix('update-race-cluster'), ...inject('clusterPorts').map(String)],
});
