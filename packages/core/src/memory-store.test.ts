// What the published conformance suite (@cloakroom/session-store-test, which runs against this store in
// packages/store-test) does not cover: the bound, eviction order, the sweep, the timer and the warning.
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SessionError } from './errors.ts';
import { type MemoryStore, memoryStore } from './memory-store.ts';
import type { SessionWrite } from './store.ts';

const HOUR = 3_600_000;

function write(data: string, expiresAt: number, userId: string | null = null): SessionWrite {
  return { data, expiresAt, absoluteExpiresAt: expiresAt, userId };
}

async function keysOf(store: MemoryStore, userId: string): Promise<string[]> {
  return (await store.listByUser(userId)).map((row) => row.key).sort();
}

const stores: MemoryStore[] = [];
function track(store: MemoryStore): MemoryStore {
  stores.push(store);
  return store;
}

afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('memoryStore()', () => {
  it('refuses a maxEntries that is not a positive integer', () => {
    for (const maxEntries of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => memoryStore({ warn: false, maxEntries })).toThrow(SessionError);
    }
    expect(() => memoryStore({ warn: false, maxEntries: 0 })).toThrow(/maxEntries.*positive integer/);
  });

  it('refuses a sweepInterval that is negative or not finite', () => {
    for (const sweepInterval of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => memoryStore({ warn: false, sweepInterval })).toThrow(/sweepInterval/);
    }
  });
});

describe('memoryStore({ maxEntries })', () => {
  it('never holds more than maxEntries records', async () => {
    const store = track(memoryStore({ warn: false, maxEntries: 10 }));
    const expiresAt = Date.now() + HOUR;
    for (let i = 0; i < 100; i++) await store.set(`k${i}`, write(`d${i}`, expiresAt));
    expect(store.size).toBe(10);
    for (let i = 0; i < 90; i++) expect(await store.get(`k${i}`)).toBeNull();
    for (let i = 90; i < 100; i++) expect((await store.get(`k${i}`))?.data).toBe(`d${i}`);
  });

  it('also bounds insert-only creates (a flood of new sessions)', async () => {
    const store = track(memoryStore({ warn: false, maxEntries: 5 }));
    const expiresAt = Date.now() + HOUR;
    const versions = await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.create(`k${i}`, write('x', expiresAt))),
    );
    expect(versions.every((version) => typeof version === 'string')).toBe(true);
    expect(store.size).toBe(5);
  });

  it('evicts the least recently used record: reads, touches and writes count as use', async () => {
    const store = track(memoryStore({ warn: false, maxEntries: 3 }));
    const expiresAt = Date.now() + HOUR;
    await store.set('a', write('a', expiresAt));
    await store.set('b', write('b', expiresAt));
    await store.set('c', write('c', expiresAt));

    await store.get('a'); // order now b, c, a
    await store.set('d', write('d', expiresAt)); // evicts b
    expect(await store.get('b')).toBeNull();

    await store.touch('c', expiresAt + HOUR); // order now a, d, c
    await store.set('e', write('e', expiresAt)); // evicts a
    expect(await store.get('a')).toBeNull();

    const d = await store.get('d'); // order now c, e, d
    await store.compareAndSet('c', (await store.get('c'))!.version, write('c2', expiresAt)); // e, d, c
    await store.set('f', write('f', expiresAt)); // evicts e
    expect(await store.get('e')).toBeNull();
    expect(d?.data).toBe('d');
    expect((await store.get('c'))?.data).toBe('c2');
    expect((await store.get('d'))?.data).toBe('d');
    expect((await store.get('f'))?.data).toBe('f');
    expect(store.size).toBe(3);
  });

  it('does not count a refused create as use', async () => {
    const store = track(memoryStore({ warn: false, maxEntries: 2 }));
    const expiresAt = Date.now() + HOUR;
    await store.set('a', write('a', expiresAt));
    await store.set('b', write('b', expiresAt));
    expect(await store.create('a', write('other', expiresAt))).toBeNull();
    await store.set('c', write('c', expiresAt)); // a is still the oldest
    expect(await store.get('a')).toBeNull();
    expect((await store.get('b'))?.data).toBe('b');
  });

  it('removes an evicted record from its user’s index', async () => {
    const store = track(memoryStore({ warn: false, maxEntries: 2 }));
    const expiresAt = Date.now() + HOUR;
    await store.set('a', write('a', expiresAt, 'u'));
    await store.set('b', write('b', expiresAt, 'u'));
    await store.set('c', write('c', expiresAt, 'v')); // evicts a
    expect(await keysOf(store, 'u')).toEqual(['b']);
    // The evicted key comes back under another user: the first user's index must not list it.
    await store.set('a', write('a2', expiresAt, 'w')); // evicts b
    expect(await keysOf(store, 'u')).toEqual([]);
    expect(await keysOf(store, 'w')).toEqual(['a']);
    expect(await keysOf(store, 'v')).toEqual(['c']);
  });
});

describe('memoryStore({ maxBytes })', () => {
  // What a record counts: two bytes per character of key, data and user id, plus 128.
  const cost = (key: string, data: string, userId = ''): number =>
    2 * (key.length + data.length + userId.length) + 128;

  it('refuses a maxBytes that is not a positive integer', () => {
    for (const maxBytes of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => memoryStore({ warn: false, maxBytes })).toThrow(/maxBytes.*positive integer/);
    }
  });

  it('counts the bytes it holds, and frees them on delete, overwrite and expiry', async () => {
    let now = Date.UTC(2026, 11, 7);
    const store = track(memoryStore({ warn: false, sweepInterval: 0, now: () => now }));
    expect(store.bytes).toBe(0);
    await store.set('a', write('x'.repeat(100), now + HOUR, 'ada'));
    await store.set('b', write('y'.repeat(50), now + 1000));
    expect(store.bytes).toBe(cost('a', 'x'.repeat(100), 'ada') + cost('b', 'y'.repeat(50)));
    await store.set('a', write('z', now + HOUR));
    expect(store.bytes).toBe(cost('a', 'z') + cost('b', 'y'.repeat(50)));
    await store.delete('a');
    expect(store.bytes).toBe(cost('b', 'y'.repeat(50)));
    now += 2000;
    expect(await store.deleteExpired()).toBe(1);
    expect(store.bytes).toBe(0);
  });

  it('bounds the bytes held, not only the entries: a few large sessions evict the least recently used', async () => {
    const big = 'x'.repeat(10_000);
    const store = track(memoryStore({ warn: false, maxEntries: 1_000, maxBytes: 5 * cost('k0', big) }));
    const expiresAt = Date.now() + HOUR;
    for (let i = 0; i < 5; i++) await store.set(`k${i}`, write(big, expiresAt));
    expect(store.size).toBe(5);
    await store.get('k0'); // k1 is now the least recently used
    await store.set('k5', write(big, expiresAt));
    expect(store.size).toBe(5);
    expect(store.bytes).toBeLessThanOrEqual(5 * cost('k0', big));
    expect(await store.get('k1')).toBeNull();
    expect((await store.get('k0'))?.data).toBe(big);
    // Many small records fit where the large ones did; the large ones go first in LRU order.
    for (let i = 0; i < 200; i++) await store.set(`s${i}`, write('s', expiresAt));
    expect(store.bytes).toBeLessThanOrEqual(5 * cost('k0', big));
    expect(await store.get('s0')).not.toBeNull();
    expect(await store.get('k2')).toBeNull();
  });

  it('keeps the record just written even when it alone is over maxBytes, and evicts the rest', async () => {
    const store = track(memoryStore({ warn: false, maxBytes: 1_000 }));
    const expiresAt = Date.now() + HOUR;
    await store.set('small', write('s', expiresAt, 'u'));
    await store.set('huge', write('h'.repeat(2_000), expiresAt));
    expect(store.size).toBe(1);
    expect((await store.get('huge'))?.data).toHaveLength(2_000);
    expect(await keysOf(store, 'u')).toEqual([]);
  });

  it('rewrites a live record in place: a new version, its user index moved, its bytes recounted, the rest evicted', async () => {
    const store = track(memoryStore({ warn: false, maxBytes: 1_000 }));
    const expiresAt = Date.now() + HOUR;
    const first = await store.set('a', write('x', expiresAt, 'u'));
    await store.set('b', write('y', expiresAt));
    const second = await store.compareAndSet('a', first, write('x2', expiresAt, 'v'));
    expect(second).not.toBeNull();
    expect(second).not.toBe(first);
    expect(await store.compareAndSet('a', first, write('stale', expiresAt))).toBeNull();
    expect(await keysOf(store, 'u')).toEqual([]);
    expect(await keysOf(store, 'v')).toEqual(['a']);
    expect(store.bytes).toBe(cost('a', 'x2', 'v') + cost('b', 'y'));
    // Grown past the bound by an overwrite: the other record goes, never the one just written.
    await store.set('a', write('z'.repeat(400), expiresAt, 'v'));
    expect(store.size).toBe(1);
    expect((await store.get('a'))?.data).toHaveLength(400);
    expect(store.bytes).toBe(cost('a', 'z'.repeat(400), 'v'));
  });

  it('has a finite default that stops a flood of large sessions', async () => {
    const store = track(memoryStore({ warn: false }));
    const large = 'x'.repeat(128 * 1024);
    const expiresAt = Date.now() + HOUR;
    for (let i = 0; i < 600; i++) await store.set(`k${i}`, write(large, expiresAt));
    expect(store.bytes).toBeLessThanOrEqual(64 * 1024 * 1024);
    expect(store.size).toBeLessThan(600);
  });
});

describe('memoryStore({ now })', () => {
  it('expires records by the injected clock', async () => {
    let now = 1_000_000;
    const store = track(memoryStore({ warn: false, now: () => now, sweepInterval: 0 }));
    await store.set('a', write('a', now + 1_000, 'u'));
    now += 999;
    expect((await store.get('a'))?.data).toBe('a');
    now += 1;
    expect(await store.get('a')).toBeNull();
    expect(store.size).toBe(0);
    expect(await keysOf(store, 'u')).toEqual([]);
  });

  it('drops an expired record from its user’s index when it is met, so a reused key is not listed', async () => {
    let now = 1_000_000;
    const store = track(memoryStore({ warn: false, now: () => now, sweepInterval: 0 }));
    await store.set('a', write('a', now + 1_000, 'u'));
    await store.set('b', write('b', now + HOUR, 'u'));
    now += 2_000;
    expect(await keysOf(store, 'u')).toEqual(['b']);
    expect(store.size).toBe(1);
    await store.set('a', write('a2', now + HOUR, 'v'));
    expect(await keysOf(store, 'u')).toEqual(['b']);
    expect(await keysOf(store, 'v')).toEqual(['a']);
  });

  it('lets create take a key whose record has expired', async () => {
    let now = 1_000_000;
    const store = track(memoryStore({ warn: false, now: () => now, sweepInterval: 0 }));
    await store.set('a', write('old', now + 1_000, 'u'));
    now += 1_000;
    expect(typeof (await store.create('a', write('new', now + HOUR, 'v')))).toBe('string');
    expect((await store.get('a'))?.data).toBe('new');
    expect(await keysOf(store, 'u')).toEqual([]);
  });
});

describe('memoryStore({ sweepInterval })', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  it('reclaims expired records on its timer with no request touching them', async () => {
    const store = track(memoryStore({ warn: false }));
    const start = Date.now();
    for (let i = 0; i < 2_500; i++) await store.set(`old${i}`, write('x', start + 1_000, `user${i % 7}`));
    for (let i = 0; i < 10; i++) await store.set(`live${i}`, write('y', start + HOUR, 'u'));
    vi.advanceTimersByTime(59_999);
    expect(store.size).toBe(2_510);
    vi.advanceTimersByTime(1); // the interval fires: the first slice
    expect(store.size).toBeLessThan(2_510);
    vi.advanceTimersByTime(10); // the remaining slices, a macrotask each
    expect(store.size).toBe(10);
    expect(await store.listByUser('user3')).toEqual([]);
    expect(await keysOf(store, 'u')).toHaveLength(10);
  });

  it('sweeps in bounded slices, yielding to the event loop between them', async () => {
    const store = track(memoryStore({ warn: false }));
    const start = Date.now();
    for (let i = 0; i < 2_500; i++) await store.set(`old${i}`, write('x', start + 1_000));
    vi.advanceTimersByTime(59_999);
    vi.advanceTimersToNextTimer(); // the interval: one slice only
    expect(store.size).toBe(1_500);
    vi.advanceTimersToNextTimer(); // the next slice, on its own macrotask
    expect(store.size).toBe(500);
    vi.advanceTimersToNextTimer();
    expect(store.size).toBe(0);
    expect(vi.getTimerCount()).toBe(1); // only the interval is left
  });

  it('uses the configured interval', async () => {
    const store = track(memoryStore({ warn: false, sweepInterval: 5_000 }));
    await store.set('a', write('a', Date.now() + 1_000));
    vi.advanceTimersByTime(4_999);
    expect(store.size).toBe(1);
    vi.advanceTimersByTime(1);
    expect(store.size).toBe(0);
  });

  it('runs no timer with sweepInterval: 0', async () => {
    const store = track(memoryStore({ warn: false, sweepInterval: 0 }));
    await store.set('a', write('a', Date.now() + 1_000));
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(HOUR);
    expect(store.size).toBe(1);
    expect(await store.deleteExpired()).toBe(1);
    expect(store.size).toBe(0);
  });

  it('stops sweeping on close()', async () => {
    const store = track(memoryStore({ warn: false }));
    await store.set('a', write('a', Date.now() + 1_000));
    await store.close();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(HOUR);
    expect(store.size).toBe(1);
    await store.close(); // idempotent
  });

  it('stops a sweep that is between slices on close()', async () => {
    const store = track(memoryStore({ warn: false }));
    for (let i = 0; i < 1_500; i++) await store.set(`old${i}`, write('x', Date.now() + 1_000));
    vi.advanceTimersByTime(59_999);
    vi.advanceTimersToNextTimer();
    expect(store.size).toBe(500);
    await store.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('starts no timer before the first record (edge runtimes refuse timers in global scope)', async () => {
    const store = track(memoryStore({ warn: false }));
    expect(vi.getTimerCount()).toBe(0);
    expect(await store.get('a')).toBeNull();
    await store.touch('a', Date.now() + HOUR);
    await store.delete('a');
    expect(vi.getTimerCount()).toBe(0);
    await store.create('a', write('a', Date.now() + HOUR));
    expect(vi.getTimerCount()).toBe(1);
    await store.set('b', write('b', Date.now() + HOUR));
    expect(vi.getTimerCount()).toBe(1);
  });

  it('starts no timer for writes after close()', async () => {
    const store = track(memoryStore({ warn: false }));
    await store.close();
    await store.set('a', write('a', Date.now() + 1_000));
    expect(vi.getTimerCount()).toBe(0);
    expect((await store.get('a'))?.data).toBe('a');
  });

  it('keeps its timer from holding the process open (unref)', async () => {
    vi.useRealTimers();
    const spy = vi.spyOn(globalThis, 'setInterval');
    const store = track(memoryStore({ warn: false }));
    await store.set('a', write('a', Date.now() + HOUR));
    expect(spy).toHaveBeenCalledTimes(1);
    const timer = spy.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
  });
});

describe('memoryStore() on every runtime', () => {
  it('uses web-standard APIs only (no node: modules, process or Buffer)', async () => {
    const source = await readFile(new URL('./memory-store.ts', import.meta.url), 'utf8');
    const code = source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    expect(code).not.toMatch(/from '(node:|[a-z])/);
    expect(code).not.toMatch(/\bprocess\.|\bBuffer\b|\brequire\(/);
  });
});

describe('memoryStore() in a process of its own', () => {
  it('does not keep the process alive', () => {
    const source = fileURLToPath(new URL('./memory-store.ts', import.meta.url));
    const script = `import { memoryStore } from ${JSON.stringify(source)};
      const store = memoryStore({ warn: false });
      await store.set('k', { data: 'x', expiresAt: Date.now() + 3600000, absoluteExpiresAt: Date.now() + 3600000, userId: null });
      console.log('started');`;
    const started = Date.now();
    const child = spawnSync(process.execPath, ['--input-type=module', '--eval', script], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(child.stdout.trim()).toBe('started');
    expect(child.status).toBe(0); // a timeout would leave status null
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('memoryStore({ warn })', () => {
  it('warns once per process that memory sessions do not survive restarts or span instances', async () => {
    vi.resetModules();
    const fresh = await import('./memory-store.ts');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    track(fresh.memoryStore());
    track(fresh.memoryStore());
    track(fresh.memoryStore({ warn: true }));
    expect(warn).toHaveBeenCalledTimes(1);
    const message = String(warn.mock.calls[0]?.[0]);
    expect(message).toMatch(/restart/);
    expect(message).toMatch(/instances/);
    expect(message).toMatch(/shared store/);
  });

  it('stays silent with warn: false', async () => {
    vi.resetModules();
    const fresh = await import('./memory-store.ts');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    track(fresh.memoryStore({ warn: false }));
    expect(warn).not.toHaveBeenCalled();
    track(fresh.memoryStore());
    expect(warn).toHaveBeenCalledTimes(1);
  });
});

describe('store.deleteExpired()', () => {
  it('removes expired records only, from the index too, and counts them', async () => {
    let now = 1_000_000;
    const store = track(memoryStore({ warn: false, now: () => now, sweepInterval: 0 }));
    await store.set('a', write('a', now + 1_000, 'u'));
    await store.set('b', write('b', now + 2_000, 'u'));
    await store.set('c', write('c', now + HOUR, 'u'));
    now += 1_500;
    expect(await store.deleteExpired()).toBe(1);
    expect(store.size).toBe(2);
    now += 1_000;
    expect(await store.deleteExpired()).toBe(1);
    expect(await store.deleteExpired()).toBe(0);
    await store.set('a', write('a2', now + HOUR, 'v'));
    expect(await keysOf(store, 'u')).toEqual(['c']);
  });
});

describe('store.compareAndSet()', () => {
  it('moves a record between users’ indexes', async () => {
    const store = track(memoryStore({ warn: false }));
    const expiresAt = Date.now() + HOUR;
    const version = await store.set('a', write('a', expiresAt, 'u'));
    expect(await store.compareAndSet('a', version, write('a2', expiresAt, 'v'))).not.toBeNull();
    expect(await keysOf(store, 'u')).toEqual([]);
    expect(await keysOf(store, 'v')).toEqual(['a']);
    // A conflict changes nothing.
    expect(await store.compareAndSet('a', version, write('a3', expiresAt, 'u'))).toBeNull();
    expect(await keysOf(store, 'v')).toEqual(['a']);
  });
});
