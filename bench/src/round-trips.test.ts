import { memoryStore } from '@cloakroom/session-core';
import { describe, expect, it } from 'vitest';
import { countingStore } from './counting-store.ts';
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

describe('countingStore()', () => {
  it('forwards calls and keeps exactly the wrapped store’s capabilities', async () => {
    const counted = countingStore(memoryStore({ warn: false }));
    const write = {
      data: 'x',
      expiresAt: Date.now() + 60_000,
      absoluteExpiresAt: Date.now() + 60_000,
      userId: null,
    };
    const version = await counted.store.create('k'.repeat(43), write);
    expect(version).not.toBeNull();
    expect((await counted.store.get('k'.repeat(43)))?.data).toBe('x');
    expect(counted.counts()).toEqual({ create: 1, get: 1 });
    expect(typeof counted.store.compareAndSet).toBe('function');

    const bare = countingStore({
      get: async () => null,
      create: async () => '1',
      set: async () => '1',
      touch: async () => false,
      delete: async () => undefined,
    });
    expect(bare.store.compareAndSet).toBeUndefined();
    await bare.store.touch('k', 0);
    expect(bare.total()).toBe(1);
    bare.reset();
    expect(bare.total()).toBe(0);
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
