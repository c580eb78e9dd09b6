import {
  parseSetCookie,
  type RedisServer,
  scenarioOptions,
  startRedisServer,
} from '@cloakroom/session-adapter-test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppServer, appClock, reported, resetStoreCalls, startApp } from '../src/testing/app-server.ts';

// A store outage seen from every helper the scenarios do not reach (they cover withSession()): the test
// app on @cloakroom/session-redis over a private redis-server that is stopped for each test.

let redis: RedisServer;
let app: AppServer;
let clock: Awaited<ReturnType<typeof appClock>>;
const NAME = scenarioOptions.cookie.name;
const LEAK = /ECONNREFUSED|SessionStoreError|ioredis|\n\s+at\s/;

beforeAll(async () => {
  redis = await startRedisServer();
  app = await startApp({
    TEST_APP_STORE: 'redis',
    REDIS_URL: redis.url,
    TEST_APP_PREFIX: `outage-${process.pid}:`,
  });
  clock = await appClock(app.baseUrl);
});

afterAll(async () => {
  await app?.close();
  await redis?.close();
});

async function send(method: string, path: string, cookie?: string, json?: unknown) {
  const headers = new Headers();
  if (cookie !== undefined) headers.set('cookie', `${NAME}=${cookie}`);
  if (json !== undefined) headers.set('content-type', 'application/json');
  const response = await fetch(`${app.baseUrl}${path}`, {
    method,
    headers,
    redirect: 'manual',
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
  const body = await response.text();
  const cookies = response.headers
    .getSetCookie()
    .map(parseSetCookie)
    .filter((cookie) => cookie.name === NAME);
  return { status: response.status, body, cookies };
}

async function session(): Promise<string> {
  // Right after the previous test's outage a loaded machine may still be reconnecting: allow it a
  // bounded while (the outage test itself asserts recovery).
  const deadline = Date.now() + 10_000;
  let sent = await send('POST', '/set', undefined, { greeting: 'before' });
  while (sent.status === 503 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    sent = await send('POST', '/set', undefined, { greeting: 'before' });
  }
  expect(sent.status).toBe(200);
  return sent.cookies[0]!.value;
}

/** Runs `during` with Redis stopped, then checks the app serves the session again once it is back. */
async function outage(cookie: string, during: () => Promise<void>): Promise<void> {
  await resetStoreCalls(app.baseUrl);
  await redis.stop();
  try {
    await during();
  } finally {
    await redis.start();
  }
  const deadline = Date.now() + 10_000;
  let status = 0;
  while (Date.now() < deadline) {
    status = (await send('GET', '/get?key=greeting', cookie)).status;
    if (status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(status, 'serves again once Redis is back').toBe(200);
}

describe('store outage', () => {
  it('withSessionApiRoute(): 503 JSON with no details and no cookie', async () => {
    const cookie = await session();
    await outage(cookie, async () => {
      for (const sent of [
        await send('POST', '/api/visits', cookie, {}),
        await send('POST', '/api/visits', undefined, {}),
      ]) {
        expect(sent.status).toBe(503);
        expect(sent.body).toBe('{"error":"Service Unavailable"}');
        expect(sent.cookies).toEqual([]);
      }
    });
  });

  it('proxy(): the navigation goes on and the failure is reported', async () => {
    const cookie = await session();
    await clock.advance((scenarioOptions.touchInterval + 1) * 1000);
    await outage(cookie, async () => {
      const page = await send('GET', '/rsc/about', cookie);
      expect(page.status).toBe(200);
      expect(page.body).toContain('about');
      expect(page.cookies).toEqual([]);
      expect(await reported(app.baseUrl)).toEqual([expect.stringMatching(/^SESSION_STORE: /)]);
    });
  });

  it("getSession() in a Server Component: Next's error page, without internals", async () => {
    const cookie = await session();
    await outage(cookie, async () => {
      const page = await send('GET', '/plain', cookie);
      expect(page.status).toBe(500);
      expect(page.body).not.toMatch(LEAK);
      expect(page.cookies).toEqual([]);
    });
  });

  it("action(): the action fails through Next's error path and nothing is set", async () => {
    const cookie = await session();
    await outage(cookie, async () => {
      const sent = await send('POST', '/actions?item=tea', cookie);
      expect(sent.status).toBe(500);
      expect(sent.body).not.toMatch(LEAK);
      expect(sent.cookies).toEqual([]);
    });
  });
});
