// The store going away under a running demo: the demo talks to the machine's Redis through a loopback
// fault proxy that resets every connection on command (THREATS.md, Faults).

import { CookieClient, type FaultProxy, startFaultProxy } from '@cloakroom/session-adapter-test';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDemos, state } from './fixtures.ts';
import { type RunningDemo, randomSecret, redisUrl, startDemo } from './harness.ts';

const INTERNALS =
  /\n\s+at\s|node_modules|\.(?:ts|js|mjs):\d+|ECONNREFUSED|ECONNRESET|SessionStoreError|ioredis|127\.0\.0\.1/;

describeDemos('Redis outage', (demo) => {
  let proxy: FaultProxy;
  let app: RunningDemo;
  beforeAll(async () => {
    const redis = new URL(await redisUrl());
    proxy = await startFaultProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
    app = await startDemo(demo, {
      SESSION_STORE: 'redis',
      REDIS_URL: proxy.via(redis.toString()),
      SESSION_SECRET: randomSecret(),
    });
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    await proxy?.close();
  }, 30_000);

  it('store unreachable: 503 with a bare { error }, no cookie, no internals; the process stays up and serves again when the store returns', async () => {
    const user = new CookieClient(app.baseUrl);
    expect((await user.post('/api/count')).json()).toEqual({ count: 1 });
    const before = user.snapshot();
    proxy.set('refuse');
    try {
      for (const reply of [
        await user.get('/api/session'),
        await user.post('/api/count'),
        await new CookieClient(app.baseUrl).post('/api/cart', { json: { item: 'tea' } }),
        await new CookieClient(app.baseUrl).post('/api/login', {
          json: { username: 'alice', password: 'alice-secret' },
        }),
      ]) {
        expect(reply.status, reply.text).toBe(503);
        expect(reply.json()).toEqual({ error: expect.any(String) });
        expect(reply.text, 'no stack trace or store internals').not.toMatch(INTERNALS);
        expect(reply.setCookies, 'never a fresh session in place of the one the store holds').toEqual([]);
      }
      expect([...user.cookies()], 'the cookie is kept').toEqual([...before.cookies()]);
      const health = await user.get('/healthz');
      expect(health.status, 'a route that never touches the session is served').toBe(200);
    } finally {
      proxy.set('pass');
    }
    // The client reconnects on its own schedule: poll, bounded.
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await user.get('/api/session')).status;
      if (status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status, `serves again within 10 s of the store returning\n${app.output()}`).toBe(200);
    expect((await state(user)).count, 'the write acknowledged before the outage is there').toBe(1);
    expect((await user.post('/api/count')).json()).toEqual({ count: 2 });
    expect((await user.post('/api/logout')).status, 'and nothing is left in the store').toBe(204);
  });
});
