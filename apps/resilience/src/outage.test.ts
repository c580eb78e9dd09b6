// THREATS.md, Faults: the demo API (demo-kit + Express, the demos' own store settings) talks to the
// machine's Redis, Memcached, PostgreSQL and MariaDB through a loopback fault proxy. Under a bounded load
// run the store goes away and comes back: 503 only while it is away, service resumes by itself within a
// few seconds, every write acknowledged with 200 is there afterwards. Then a black hole and a slow store
// fail requests within the store's configured bound instead of hanging them.

import { CookieClient } from '@cloakroom/session-adapter-test';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { runLoad } from './load.ts';
import { useDemoBehindProxy } from './outage-target.ts';
import { MYSQL_URL, PG_URL, REDIS_URL } from './servers.ts';

interface Target {
  readonly store: 'redis' | 'memcached' | 'postgres' | 'mysql';
  readonly variable: string;
  readonly url: () => string;
  readonly port: number;
  /** The longest a request may take to fail while the store does not answer (its configured timeout plus slack). */
  readonly boundMs: number;
  /** Fewest requests the load run must make (MariaDB commits are slow on this machine's disk). */
  readonly minRequests: number;
}

// Timeouts the demos configure: ioredis commandTimeout 500 ms (one retry), memcached 1 s, Kysely 5 s.
const TARGETS: readonly Target[] = [
  {
    store: 'redis',
    variable: 'REDIS_URL',
    url: () => REDIS_URL,
    port: 6379,
    boundMs: 2_500,
    minRequests: 2_000,
  },
  {
    store: 'memcached',
    variable: 'MEMCACHED_URL',
    url: () => inject('memcachedUrl'),
    port: 11211,
    boundMs: 3_000,
    minRequests: 2_000,
  },
  {
    store: 'postgres',
    variable: 'PG_URL',
    url: () => PG_URL,
    port: 5432,
    boundMs: 7_000,
    minRequests: 2_000,
  },
  {
    store: 'mysql',
    variable: 'MYSQL_URL',
    url: () => MYSQL_URL,
    port: 3306,
    boundMs: 7_000,
    minRequests: 1_000,
  },
];

const OUTAGE_START = 1_500;
const OUTAGE_END = 4_000;
const RECOVERY = 5_000;

describe.each(TARGETS)('$store behind a fault proxy, under load', (target) => {
  const running = useDemoBehindProxy(target);
  beforeEach(() => {
    // The demo logs one line per 503 (demo-kit's errorOutcome); keep the run's output readable.
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    running().proxy.set('pass');
  });

  it('refused for 2.5 s during a load run: 503 only while away, back within 5 s, every acknowledged write kept', async () => {
    const { samples, clients } = await runLoad({
      baseUrl: running().demo.baseUrl,
      workers: 8,
      durationMs: OUTAGE_END + RECOVERY + 1_000,
      minRequests: target.minRequests,
      // The run ends on its request count; the cap is only a safety net for a wedged app (a loaded
      // machine made 30 s too short beside other suites).
      capMs: 90_000,
      script: (t) => {
        const want = t >= OUTAGE_START && t < OUTAGE_END ? 'refuse' : 'pass';
        if (running().proxy.mode !== want) running().proxy.set(want);
      },
    });
    if (process.env.RESILIENCE_DEBUG) {
      for (let t = 0; t < OUTAGE_END + RECOVERY + 1_000; t += 500) {
        const slice = samples.filter((s) => s.start >= t && s.start < t + 500);
        process.stderr.write(
          `${t}: ${slice.length} req, ok ${slice.filter((s) => s.status === 200).length}, max ${Math.round(Math.max(0, ...slice.map((s) => s.end - s.start)))} ms\n`,
        );
      }
    }
    const statuses = new Set(samples.map((s) => s.status));
    const summary = `${samples.length} requests, statuses ${[...statuses]}`;
    expect(samples.length, summary).toBeGreaterThanOrEqual(target.minRequests);
    expect(
      [...statuses].every((s) => s === 200 || s === 503),
      `only 200 or 503 (0 = connection lost): ${summary}`,
    ).toBe(true);
    const before = samples.filter((s) => s.end < OUTAGE_START);
    expect(before.length).toBeGreaterThan(0);
    expect(
      before.every((s) => s.status === 200),
      'all served before the outage',
    ).toBe(true);
    const during = samples.filter((s) => s.start > OUTAGE_START + 50 && s.end < OUTAGE_END);
    expect(during.length, 'requests were made while the store was away').toBeGreaterThan(0);
    expect(
      during.filter((s) => s.status !== 503),
      'every request meeting the outage answers 503',
    ).toEqual([]);
    const lastFailure = Math.max(...samples.filter((s) => s.status !== 200).map((s) => s.start));
    expect(lastFailure - OUTAGE_END, 'service resumed within 5 s of the store returning').toBeLessThan(
      RECOVERY,
    );
    const after = samples.filter((s) => s.start > lastFailure);
    expect(after.length, 'requests were served after the outage').toBeGreaterThan(0);

    // Read every session back: each item acknowledged with 200 is there; nothing unasked-for is.
    for (const [worker, client] of clients.entries()) {
      const state = await client.get('/api/session');
      expect(state.status).toBe(200);
      const cart = new Set((state.body as { cart: string[] }).cart);
      const acknowledged = samples.filter((s) => s.worker === worker && s.status === 200).map((s) => s.item);
      const missing = acknowledged.filter((item) => !cart.has(item));
      expect(missing, `worker ${worker}: acknowledged writes lost`).toEqual([]);
      const attempted = new Set([
        `w${worker}-start`,
        ...samples.filter((s) => s.worker === worker).map((s) => s.item),
      ]);
      expect([...cart].filter((item) => !attempted.has(item))).toEqual([]);
    }
  }, 120_000);

  it.each([
    ['black-holed', 'blackhole'],
    ['slower than its timeout', 'delay'],
  ] as const)(
    '%s: requests fail with 503 within the configured bound, then service resumes',
    async (_, mode) => {
      const client = new CookieClient(running().demo.baseUrl);
      expect((await client.post('/api/count')).status).toBe(200);
      running().proxy.set(mode, 20_000);
      const started = performance.now();
      const replies = await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          (i === 0 ? client : new CookieClient(running().demo.baseUrl)).post('/api/count').then((r) => ({
            status: r.status,
            ms: performance.now() - started,
          })),
        ),
      );
      running().proxy.set('pass');
      for (const reply of replies) {
        expect(reply.status).toBe(503);
        expect(reply.ms, `answered within ${target.boundMs} ms`).toBeLessThan(target.boundMs);
      }
      const deadline = Date.now() + RECOVERY;
      let status = 0;
      while (Date.now() < deadline) {
        status = (await client.get('/api/session')).status;
        if (status === 200) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(status, 'serves again within 5 s').toBe(200);
      expect((await client.post('/api/count')).status).toBe(200);
    },
    30_000,
  );
});
