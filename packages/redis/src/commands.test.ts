// What listing and revoking a user's sessions cost, counted by Redis itself (issue 14, item 6). A
// private server, so no other test's commands show up in INFO commandstats.
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RedisSessionStore, redisStore } from './redis-store.ts';
import { connectRedis, recommended } from './testing/clients.ts';
import { sessionKey, writeOf } from './testing/keys.ts';
import { type PrivateServer, startPrivateRedis } from './testing/redis-server.ts';

let server: PrivateServer;
let client: Redis;
let store: RedisSessionStore;

beforeAll(async () => {
  server = await startPrivateRedis('commands');
  // It counts commands, not time: a loaded machine must not turn a slow reply into a failure.
  client = await connectRedis({ ...recommended, commandTimeout: 10_000 }, server.url);
  store = redisStore({ client, prefix: 'commands:', timeout: 10_000 });
});

afterAll(async () => {
  client?.disconnect();
  await server?.stop();
});

afterEach(() => {
  vi.useRealTimers();
});

/** Runs `body` and returns the commands Redis executed meanwhile, by name (scripts' inner calls too). */
async function commandsDuring(body: () => Promise<unknown>): Promise<Record<string, number>> {
  await client.config('RESETSTAT');
  await body();
  const counts: Record<string, number> = {};
  for (const [, name, calls] of (await client.info('commandstats')).matchAll(
    /^cmdstat_([^:]+):calls=(\d+)/gm,
  )) {
    counts[name!] = Number(calls);
  }
  // The measurement's own commands.
  delete counts['config|resetstat'];
  delete counts.info;
  return counts;
}

const total = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

describe('store.listByUser() on a user who signed in 1 000 times', () => {
  it('costs a bounded number of commands once all but 3 sessions reached their end, and so does revoking them', async () => {
    const user = 'signed-in-1000-times';
    const now = Date.now();
    const live = new Set<string>();
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) => {
          const { key } = sessionKey();
          const lasting = batch === 19 && i >= 47;
          if (lasting) live.add(key);
          // The 997 end within a minute (their absolute end, which scores the index), the last 3 in an
          // hour. A session that ended idle before its absolute end is read (and skipped) until that end.
          const expiresAt = now + (lasting ? 3_600_000 : 60_000);
          return store.create(key, writeOf('x', { userId: user, expiresAt, absoluteExpiresAt: expiresAt }));
        }),
      );
    }
    expect(await client.zcard(`commands:u:${user}`)).toBe(1000);

    // Three minutes later by the application's clock (the store's expiry checks use it): 997 sessions
    // ended, more than the store's one-minute margin for clock skew ago. No sleep: Redis still holds
    // their records, which listing must not read.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(now + 180_000);
    let listed: string[] = [];
    const listing = await commandsDuring(async () => {
      listed = (await store.listByUser(user)).map((session) => session.key);
    });
    expect(new Set(listed)).toEqual(live);
    expect(listing.hmget, 'one record read per live session').toBe(3);
    expect(total(listing), JSON.stringify(listing)).toBeLessThanOrEqual(10);
    expect(await client.zcard(`commands:u:${user}`), 'the ended entries are pruned').toBe(3);

    // Revoking: list, then delete each live session (what destroyUserSessions does).
    const revoking = await commandsDuring(async () => {
      for (const session of await store.listByUser(user)) await store.delete(session.key);
    });
    expect(total(revoking), JSON.stringify(revoking)).toBeLessThanOrEqual(10 + 3 * 5);
    expect(await client.exists(`commands:u:${user}`)).toBe(0);
  });
});
