import { beforeAll, describe, expect, it } from 'vitest';
import { measureRedisRoundTrips, measureRoundTrips, type RoundTrips } from './round-trips.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Issue 15's round-trip counts, asserted on a store's rows. */
function assertIssue15(rows: RoundTrips[]): Record<string, RoundTrips> {
  const trips = Object.fromEntries(rows.map((row) => [row.scenario, row]));
  expect(trips['new session, first write']).toMatchObject({ total: 1, counts: { create: 1 } });
  // Untouched: no store call at all.
  expect(trips.untouched).toMatchObject({ total: 0, counts: {} });
  // A read is one call: get, or getAndTouch where the store has it (core then always reads through it).
  expect(trips.read!.total).toBe(1);
  expect(Object.keys(trips.read!.counts)).toHaveLength(1);
  expect(['get', 'getAndTouch']).toContain(Object.keys(trips.read!.counts)[0]);
  // A read due for a touch is still one call: the store's getAndTouch moves the expiry while reading.
  expect(trips['read, touch interval passed']).toMatchObject({ total: 1, counts: { getAndTouch: 1 } });
  expect(trips['write, existing session']!.total).toBeLessThanOrEqual(2);
  return trips;
}

describe('store round trips per request', () => {
  it('memory store: 0 untouched, 1 read, 1 read due for a touch (getAndTouch), at most 2 for a write', async () => {
    const trips = assertIssue15(await measureRoundTrips());
    // The write: one read, then one compare-and-set (never a blind set).
    expect(trips['write, existing session']!.counts).toMatchObject({ compareAndSet: 1 });
    expect(trips['write, existing session']!.counts.set).toBeUndefined();
  });

  describe('Redis store, with the commands its client sent', () => {
    let rows: RoundTrips[];
    beforeAll(async () => {
      rows = await measureRedisRoundTrips(REDIS_URL, `bench:round-trips:${process.pid}:`);
    });

    it('has the same store-call counts as issue 15 asks', () => {
      assertIssue15(rows);
    });

    it('sends no command for an untouched request, one for a read (due or not), at most two for a write', () => {
      const trips = Object.fromEntries(rows.map((row) => [row.scenario, row]));
      const total = (row: RoundTrips | undefined): number =>
        Object.values(row?.commands ?? {}).reduce<number>((sum, n) => sum + (n ?? 0), 0);
      expect(trips.untouched!.commands).toEqual({});
      expect(total(trips.read)).toBe(1);
      expect(total(trips['read, touch interval passed'])).toBe(1);
      expect(total(trips['write, existing session'])).toBeLessThanOrEqual(2);
    });
  });
});

describe('cookieHeader()', () => {
  it('sends back what a browser would: the last value of a name, no deletions, base64 padding kept', async () => {
    const { cookieHeader } = await import('./servers.ts');
    expect(cookieHeader(['a=1; Path=/', 'b=eA==; HttpOnly', 'a=2; Path=/', 'c=; Max-Age=0'])).toBe(
      'b=eA==; a=2',
    );
  });
});
