// Several processes of one demo behind an imaginary load balancer: requests alternate between them.
// On a shared store (the SQLite file, Redis) they keep one session; on the memory store they cannot.

import { CookieClient } from '@cloakroom/session-adapter-test';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Demo } from './demos.ts';
import { describeDemos, type SqliteRun, signIn, startMany, startOnSqlite, state } from './fixtures.ts';
import { type RunningDemo, randomSecret, redisUrl } from './harness.ts';

const EMPTY = { user: null, count: 0, cart: [], flash: [] };

/** One user agent whose requests alternate between two instances. */
function alternating(first: RunningDemo, second: RunningDemo): [CookieClient, CookieClient] {
  const agent = new CookieClient(first.baseUrl);
  return [agent, agent.at(second.baseUrl)];
}

function sharedStoreScenarios(instances: () => [RunningDemo, RunningDemo]): void {
  it('requests alternating between the two processes keep one session through sign-in and sign-out', async () => {
    const [one, two] = alternating(...instances());
    expect((await one.post('/api/count')).json()).toEqual({ count: 1 });
    expect((await two.post('/api/count')).json()).toEqual({ count: 2 });
    expect((await one.post('/api/cart', { json: { item: 'tea' } })).json()).toEqual({ cart: ['tea'] });
    expect((await two.post('/api/cart', { json: { item: 'cake' } })).json()).toEqual({
      cart: ['tea', 'cake'],
    });
    const old = one.snapshot(); // the pre-login cookie, sent to the first process
    await signIn(two, 'bob');
    expect(await state(old), 'the pre-login id is dead on the other process too').toEqual(EMPTY);
    expect(await state(one)).toEqual({
      user: 'bob',
      count: 2,
      cart: ['tea', 'cake'],
      flash: ['Welcome, bob'],
    });
    expect((await state(two)).flash, 'a flash read on one process is gone on the other').toEqual([]);
    const sessions = await two.get('/api/sessions');
    expect(sessions.status, sessions.text).toBe(200);
    expect(sessions.json<Array<{ current: boolean }>>().filter((session) => session.current)).toHaveLength(1);
    const signedIn = two.snapshot(); // the cookie as it is now, sent to the second process
    expect((await one.post('/api/logout')).status).toBe(204);
    expect(await state(signedIn), 'signed out on the first process, gone on the second').toEqual(EMPTY);
    expect((await signedIn.get('/api/sessions')).status).toBe(401);
  });

  it('40 parallel increments over both processes answer 40 distinct counts, each the stored one', async () => {
    const [one, two] = alternating(...instances());
    expect((await one.post('/api/count')).json()).toEqual({ count: 1 });
    const replies = await Promise.all(
      Array.from({ length: 40 }, (_, index) => (index % 2 === 0 ? one : two).post('/api/count')),
    );
    for (const reply of replies) expect(reply.status, reply.text).toBe(200);
    const counts = replies.map((reply) => reply.json<{ count: number }>().count).sort((a, b) => a - b);
    expect(counts, 'update() answers what the store accepted, once each').toEqual(
      Array.from({ length: 40 }, (_, index) => index + 2),
    );
    expect((await state(two)).count).toBe(41);
    expect((await one.post('/api/logout')).status).toBe(204);
  });

  it('parallel increments and adds spread over both processes all land', async () => {
    const [one, two] = alternating(...instances());
    await one.post('/api/count');
    const replies = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        index % 3 === 2
          ? (index % 2 === 0 ? one : two).post('/api/cart', { json: { item: `item-${index}` } })
          : (index % 2 === 0 ? one : two).post('/api/count'),
      ),
    );
    for (const reply of replies) expect(reply.status, reply.text).toBe(200);
    const final = await state(two);
    expect(final.count).toBe(1 + 8);
    expect([...final.cart].sort()).toEqual(['item-11', 'item-2', 'item-5', 'item-8']);
    expect((await one.post('/api/logout')).status, 'and nothing is left in the store').toBe(204);
  });
}

function onSqlite(demo: Demo): void {
  let run: SqliteRun;
  beforeAll(async () => {
    run = await startOnSqlite(demo, 2);
  }, 60_000);
  afterAll(() => run?.close(), 30_000);
  sharedStoreScenarios(() => [run.apps[0]!, run.apps[1]!]);
}

function onRedis(demo: Demo): void {
  const apps: RunningDemo[] = [];
  beforeAll(async () => {
    const env = {
      SESSION_STORE: 'redis',
      REDIS_URL: await redisUrl(),
      SESSION_SECRET: randomSecret(),
    } as const;
    await startMany(demo, env, 2, apps);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop()));
  }, 30_000);
  sharedStoreScenarios(() => [apps[0]!, apps[1]!]);
}

function onMemory(demo: Demo): void {
  const apps: RunningDemo[] = [];
  beforeAll(async () => {
    // A one-second idle timeout also lets one short real wait prove SESSION_IDLE_TIMEOUT ends a session.
    const env = {
      SESSION_STORE: 'memory',
      SESSION_SECRET: randomSecret(),
      SESSION_IDLE_TIMEOUT: '1',
      SESSION_ABSOLUTE_TIMEOUT: '60',
    } as const;
    await startMany(demo, env, 2, apps);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop()));
  }, 30_000);

  it('the documented limit: each process has its own sessions, so the other one does not know the cookie', async () => {
    const [one, two] = alternating(apps[0]!, apps[1]!);
    expect((await one.post('/api/count')).json()).toEqual({ count: 1 });
    expect(
      await state(two),
      'same secret, valid signature, but the record lives in the other process',
    ).toEqual(EMPTY);
    expect((await state(one)).count, 'the first process still has it').toBe(1);
  });

  it('SESSION_IDLE_TIMEOUT ends a session left idle, and /healthz never touches it (one real wait of 1.5 s)', async () => {
    const agent = new CookieClient(apps[0]!.baseUrl);
    await agent.post('/api/count');
    expect((await state(agent)).count).toBe(1);
    // Health checks with the cookie all along: a route that touched the session would slide its expiry
    // (the touch interval is a tenth of a second here) and refresh the cookie.
    const until = Date.now() + 1_500;
    while (Date.now() < until) {
      const health = await agent.get('/healthz');
      expect(health.status).toBe(200);
      expect(health.setCookies).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(await state(agent)).toEqual(EMPTY);
  });
}

describeDemos('two processes on one SQLite file', onSqlite);
describeDemos('two processes on Redis', onRedis);
describeDemos('two processes on the memory store', onMemory);
