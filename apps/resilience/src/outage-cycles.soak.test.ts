// The outage run of outage.test.ts at soak length: each store goes away three times under load (refused,
// black-holed, refused again), with at least 5 000 requests in all (2 000 on MariaDB, whose commits are
// slow on this machine). Between outages every request is served; each outage heals within 7 s; every
// acknowledged write is read back at the end.

import type { FaultMode } from '@cloakroom/session-adapter-test';
import { afterAll, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { runLoad } from './load.ts';
import { useDemoBehindProxy } from './outage-target.ts';
import { MYSQL_URL, PG_URL, REDIS_URL } from './servers.ts';

const WINDOWS: ReadonlyArray<{ from: number; to: number; mode: FaultMode }> = [
  { from: 2_000, to: 4_000, mode: 'refuse' },
  { from: 13_000, to: 15_000, mode: 'blackhole' },
  { from: 24_000, to: 26_000, mode: 'refuse' },
];
// "Within a few seconds": a client that reconnects with backoff after a black hole (ioredis here) may
// need a little over 5 s, so the long run allows 7.
const RECOVERY = 7_000;
const END = 34_000;

const TARGETS = [
  { store: 'redis', variable: 'REDIS_URL', url: () => REDIS_URL, port: 6379, minRequests: 5_000 },
  {
    store: 'memcached',
    variable: 'MEMCACHED_URL',
    url: () => inject('memcachedUrl'),
    port: 11211,
    minRequests: 5_000,
  },
  { store: 'postgres', variable: 'PG_URL', url: () => PG_URL, port: 5432, minRequests: 5_000 },
  { store: 'mysql', variable: 'MYSQL_URL', url: () => MYSQL_URL, port: 3306, minRequests: 2_000 },
] as const;

describe.each(TARGETS)('$store: three outages under a long load run', (target) => {
  const running = useDemoBehindProxy(target);
  afterAll(() => {
    vi.restoreAllMocks();
  });
  beforeEach(() => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });

  it('503 only around each outage, healed within 7 s each time, every acknowledged write kept', async () => {
    const { samples, clients } = await runLoad({
      baseUrl: running().demo.baseUrl,
      workers: 8,
      durationMs: END,
      minRequests: target.minRequests,
      capMs: 60_000,
      script: (t) => {
        const want = WINDOWS.find((w) => t >= w.from && t < w.to)?.mode ?? 'pass';
        if (running().proxy.mode !== want) running().proxy.set(want);
      },
    });
    running().proxy.set('pass');
    expect(samples.length).toBeGreaterThanOrEqual(target.minRequests);
    expect(samples.filter((s) => s.status !== 200 && s.status !== 503)).toEqual([]);
    for (const [i, w] of WINDOWS.entries()) {
      const next = WINDOWS[i + 1]?.from ?? Number.POSITIVE_INFINITY;
      const previousEnd = i === 0 ? 0 : WINDOWS[i - 1]!.to + RECOVERY;
      const calm = samples.filter((s) => s.start >= previousEnd && s.end < w.from);
      expect(calm.length, `requests before outage ${i + 1}`).toBeGreaterThan(0);
      expect(
        calm.filter((s) => s.status !== 200),
        `served before outage ${i + 1}`,
      ).toEqual([]);
      // Every request the outage met fails: one started inside the window (no connection can carry it),
      // or one still waiting a second into it (a black hole holds it until the store's timeout; with SQL's
      // 5 s, no worker is free to start another during a 2 s window).
      const met = samples.filter(
        (s) => s.start < w.to - 100 && (s.start > w.from + 50 || s.end > w.from + 1_000),
      );
      expect(met.length, `requests during outage ${i + 1}`).toBeGreaterThan(0);
      expect(
        met.filter((s) => s.status !== 503),
        `503 during outage ${i + 1} (${w.mode})`,
      ).toEqual([]);
      // (a request started a tick before the next outage may meet it: that one belongs to the next)
      const failures = samples.filter((s) => s.status !== 200 && s.start >= w.from && s.start < next - 100);
      const lastFailure = Math.max(...failures.map((s) => s.start));
      expect(lastFailure - w.to, `healed within 7 s of outage ${i + 1}`).toBeLessThan(RECOVERY);
    }
    for (const [worker, client] of clients.entries()) {
      const state = await client.get('/api/session');
      expect(state.status).toBe(200);
      const cart = new Set((state.body as { cart: string[] }).cart);
      const lost = samples.filter((s) => s.worker === worker && s.status === 200 && !cart.has(s.item));
      expect(
        lost.map((s) => s.item),
        `worker ${worker}: acknowledged writes lost`,
      ).toEqual([]);
    }
  }, 90_000);
});
