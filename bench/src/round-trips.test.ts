import { describe, expect, it } from 'vitest';
import { measureRoundTrips } from './round-trips.ts';

describe('store round trips per request (memory store in a counting wrapper)', () => {
  it('counts 0 for an untouched request, 1 for a read, at most 2 for a write, and a touch (no write) when due', async () => {
    const trips = Object.fromEntries((await measureRoundTrips()).map((row) => [row.scenario, row]));
    expect(trips['new session, first write']).toMatchObject({ total: 1, counts: { create: 1 } });
    expect(trips.untouched).toMatchObject({ total: 0, counts: {} });
    expect(trips.read).toMatchObject({ total: 1, counts: { get: 1 } });
    expect(trips['write, existing session']!.total).toBeLessThanOrEqual(2);
    expect(trips['write, existing session']!.counts).toEqual({ get: 1, compareAndSet: 1 });
    expect(trips['read, touch interval passed']!.counts).toEqual({ get: 1, touch: 1 });
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
