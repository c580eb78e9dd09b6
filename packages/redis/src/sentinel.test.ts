// The store on a Sentinel-managed Redis (issue 21): the conformance suite through an ioredis client
// that finds the primary by asking three private sentinels.
import { describeStoreConformance } from '@cloakroom/session-store-test';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisStore } from './redis-store.ts';
import { runPrefix } from './testing/clients.ts';
import { sessionKey, writeOf } from './testing/keys.ts';
import { type SentinelSetup, startSentinels } from './testing/sentinel.ts';

let setup: SentinelSetup;
let client: Redis;
const prefix = runPrefix('sentinel');

beforeAll(async () => {
  setup = await startSentinels();
  client = setup.client();
}, 60_000);

afterAll(async () => {
  await setup?.stop();
});

describeStoreConformance({
  name: 'redis (Sentinel: primary, replica, three sentinels)',
  createStore: async () => redisStore({ client, prefix }),
  capabilities: { compareAndSet: true, getAndTouch: true, userIndex: true, deleteExpired: 'native' },
  backendExpiry: async (_store, key) => {
    const at = await client.pexpiretime(`${prefix}s:${key}`);
    return at < 0 ? null : at;
  },
});

describe('redisStore() through Sentinel', () => {
  it('writes to the primary the sentinels name, and the replica follows', async () => {
    const port = await setup.primaryPort();
    expect(port).toBe(setup.nodes[0]!.port);
    const { key } = sessionKey();
    await redisStore({ client, prefix }).set(key, writeOf('x', { userId: 'sentinel-user' }));
    expect(await client.call('WAIT', 1, 2000)).toBe(1);
    const store = redisStore({ client, prefix });
    expect(await store.get(key)).toMatchObject({ data: 'x' });
    await store.delete(key);
  });
});
