// Issue 13: update() answers what the store holds, proven with separate processes on one memcached
// (its CAS tokens decide between them).
import { randomUUID } from 'node:crypto';
import { describeUpdateRace } from '@cloakroom/session-store-test';
import { inject } from 'vitest';

describeUpdateRace({
  name: 'memcached',
  worker: new URL('./test/update-race-worker.ts', import.meta.url),
  args: () => [String(inject('memcachedUrl')), `update-race:${randomUUID()}:`],
});
