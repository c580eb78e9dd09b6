// THREATS.md, Faults: a memory-only Redis that restarts loses every session and every loaded Lua
// script. The Express demo, started from its built output as its own process, runs on a private
// redis-server that is stopped and started again under load: the process never dies, requests fail
// with 503 only while Redis is down, and afterwards clients get a fresh session, never a 5xx.
import { fileURLToPath } from 'node:url';
import { CookieClient, type RedisServer, startRedisServer } from '@cloakroom/session-adapter-test';
import { type RunningDemo, startDemo } from 'demo-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad } from './load.ts';

const EXPRESS_DEMO = fileURLToPath(new URL('../../express-demo/', import.meta.url));
const STOP_AT = 1_500;
const START_AT = 3_500;

describe('the Express demo process on a private redis-server that restarts', () => {
  let redis: RedisServer;
  let demo: RunningDemo;
  beforeAll(async () => {
    redis = await startRedisServer();
    demo = await startDemo({
      dir: EXPRESS_DEMO,
      env: {
        SESSION_STORE: 'redis',
        REDIS_URL: redis.url,
        SESSION_SECRET: 'resilience-restart-secret-0123456789abcdef',
      },
    });
  });
  afterAll(async () => {
    await demo?.stop();
    await redis?.close();
  });

  it('503 while down, then fresh sessions and never a 5xx; the process stays up', async () => {
    // Lua scripts are loaded before the restart, so the store meets NOSCRIPT afterwards.
    const veteran = new CookieClient(demo.url);
    expect((await veteran.post('/api/count')).body).toEqual({ count: 1 });
    const oldCookie = veteran.cookie;

    let stopping: Promise<void> | undefined;
    let starting: Promise<void> | undefined;
    const { samples, clients } = await runLoad({
      baseUrl: demo.url,
      workers: 6,
      durationMs: START_AT + 5_000,
      minRequests: 2_000,
      capMs: 90_000, // a safety net: the run ends on its request count
      script: (t) => {
        if (t >= STOP_AT && !stopping) stopping = redis.stop();
        if (t >= START_AT && stopping && !starting) starting = stopping.then(() => redis.start());
      },
    });
    await starting;
    const output = demo.output().slice(-2_000);
    expect(demo.process.exitCode, `the demo process is alive\n${output}`).toBeNull();
    expect(demo.process.signalCode).toBeNull();

    const summary = `${samples.length} requests, statuses ${[...new Set(samples.map((s) => s.status))]}`;
    expect(samples.length, summary).toBeGreaterThanOrEqual(2_000);
    expect(
      samples.filter((s) => s.status !== 200 && s.status !== 503),
      `only 200 or 503: ${summary}\n${output}`,
    ).toEqual([]);
    expect(
      samples.filter((s) => s.end < STOP_AT).every((s) => s.status === 200),
      'served before the stop',
    ).toBe(true);
    const lastFailure = Math.max(...samples.filter((s) => s.status !== 200).map((s) => s.start));
    expect(lastFailure, 'some requests met the outage').toBeGreaterThan(STOP_AT);
    expect(lastFailure - START_AT, 'serving again within 5 s of the restart').toBeLessThan(5_000);
    expect(samples.filter((s) => s.start > lastFailure).length, 'served after the restart').toBeGreaterThan(
      0,
    );

    // The data is gone: every worker is on a fresh session holding only what it wrote after the restart.
    for (const [worker, client] of clients.entries()) {
      const state = await client.get('/api/session');
      expect(state.status).toBe(200);
      const cart = (state.body as { cart: string[] }).cart;
      const mine = samples.filter((s) => s.worker === worker);
      const sinceStop = new Set(mine.filter((s) => s.start >= STOP_AT).map((s) => s.item));
      const acknowledgedSince = mine
        .filter((s) => s.start > lastFailure && s.status === 200)
        .map((s) => s.item);
      expect(
        cart.filter((item) => !sinceStop.has(item)),
        'nothing from before the restart',
      ).toEqual([]);
      expect(
        acknowledgedSince.filter((item) => !cart.includes(item)),
        'acknowledged writes since are kept',
      ).toEqual([]);
      expect(cart, 'the pre-restart data is gone').not.toContain(`w${worker}-start`);
    }
    // The veteran's cookie names a session Redis forgot: no session, and a write starts a fresh one.
    const state = await veteran.get('/api/session');
    expect(state.status).toBe(200);
    expect((state.body as { count: number }).count).toBe(0);
    const count = await veteran.post('/api/count');
    expect(count.status).toBe(200);
    expect(count.body).toEqual({ count: 1 });
    expect(veteran.cookie, 'a fresh session id').not.toBe(oldCookie);
    expect((await veteran.post('/api/count')).body, 'and it persists (scripts reloaded)').toEqual({
      count: 2,
    });
  }, 120_000);
});
