import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SessionStoreError } from './errors.ts';
import { type MemoryStore, memoryStore } from './memory-store.ts';
import type { SessionStore, SessionWrite, TouchIfDue } from './store.ts';
import { storeCapabilities } from './store.ts';
import { tieredStore } from './tiered-store.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 22, 12);
let n = 0;
const newKey = (): string => `k${String(++n).padStart(42, '0')}`;
const write = (data: string, expiresAt = Date.now() + HOUR, userId: string | null = null): SessionWrite => ({
  data,
  expiresAt,
  absoluteExpiresAt: expiresAt,
  userId,
});

/**
 * A cache that can become unreachable: while `down`, every method rejects with SessionStoreError, as
 * a store whose server is gone does. What it held before stays there, as in a real outage.
 */
function unreachable(
  inner: MemoryStore,
): MemoryStore & { down: boolean; calls: number; failing: Set<string>; slowDeletes: Promise<void> | null } {
  const state = {
    down: false,
    calls: 0,
    failing: new Set<string>(),
    slowDeletes: null as Promise<void> | null,
  };
  const guard =
    <A extends unknown[], R>(op: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      state.calls++;
      if (op === 'delete' && state.slowDeletes) await state.slowDeletes;
      if (state.down || state.failing.has(op))
        throw new SessionStoreError(op, `cache ${op} failed`, new Error('connect ECONNREFUSED'));
      return fn(...args);
    };
  return Object.assign(state, {
    get: guard('get', (key: string) => inner.get(key)),
    create: guard('create', (key: string, w: SessionWrite) => inner.create(key, w)),
    set: guard('set', (key: string, w: SessionWrite) => inner.set(key, w)),
    touch: guard('touch', (key: string, at: number) => inner.touch(key, at)),
    getAndTouch: guard('getAndTouch', (key: string, touch: TouchIfDue) => inner.getAndTouch(key, touch)),
    delete: guard('delete', (key: string) => inner.delete(key)),
    compareAndSet: guard('compareAndSet', (key: string, v: string, w: SessionWrite) =>
      inner.compareAndSet(key, v, w),
    ),
    listByUser: guard('listByUser', (user: string) => inner.listByUser(user)),
    deleteExpired: guard('deleteExpired', () => inner.deleteExpired()),
    close: () => inner.close(),
    get size() {
      return inner.size;
    },
    get bytes() {
      return inner.bytes;
    },
  });
}

/** A store that forwards to `inner`, with some methods replaced (private fields forbid Object.create). */
function wrap(inner: MemoryStore, overrides: Partial<MemoryStore> = {}): MemoryStore {
  return {
    get: (key) => inner.get(key),
    create: (key, w) => inner.create(key, w),
    set: (key, w) => inner.set(key, w),
    touch: (key, at) => inner.touch(key, at),
    getAndTouch: (key, touch) => inner.getAndTouch(key, touch),
    delete: (key) => inner.delete(key),
    compareAndSet: (key, v, w) => inner.compareAndSet(key, v, w),
    listByUser: (user) => inner.listByUser(user),
    deleteExpired: () => inner.deleteExpired(),
    close: () => inner.close(),
    get size() {
      return inner.size;
    },
    get bytes() {
      return inner.bytes;
    },
    ...overrides,
  };
}

/** Counts the reads (get, getAndTouch) and touches that reach a store. */
function counted(inner: MemoryStore): MemoryStore & { reads: number; touchReads: number; touches: number } {
  const store = Object.assign(wrap(inner), { reads: 0, touchReads: 0, touches: 0 });
  store.get = (key) => {
    store.reads++;
    return inner.get(key);
  };
  store.getAndTouch = (key, touch) => {
    store.touchReads++;
    return inner.getAndTouch(key, touch);
  };
  store.touch = (key, at) => {
    store.touches++;
    return inner.touch(key, at);
  };
  return store;
}

describe('tieredStore()', () => {
  let rawCache: MemoryStore;
  let cache: ReturnType<typeof unreachable>;
  let rawDurable: MemoryStore;
  let durable: ReturnType<typeof counted>;
  let errors: SessionStoreError[];

  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
    rawCache = memoryStore({ warn: false, sweepInterval: 0 });
    cache = unreachable(rawCache);
    rawDurable = memoryStore({ warn: false, sweepInterval: 0 });
    durable = counted(rawDurable);
    errors = [];
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  const build = (
    options: {
      cacheTtlMs?: number;
      retryMs?: number;
      maxPendingRemovals?: number;
      cacheTimeoutMs?: number;
    } = {},
  ) => tieredStore({ cache, durable, onError: (error) => errors.push(error), ...options });

  describe('get()', () => {
    it('reads the durable store once, then serves from the cache', async () => {
      const store = build();
      const key = newKey();
      const version = await rawDurable.set(key, write('d'));
      expect(await store.get(key)).toEqual({ data: 'd', expiresAt: T0 + HOUR, version });
      expect(await store.get(key)).toEqual({ data: 'd', expiresAt: T0 + HOUR, version });
      expect(durable.reads).toBe(1);
    });

    it('keeps a copy no longer than cacheTtlMs, nor past the session expiry', async () => {
      const store = build({ cacheTtlMs: 1000 });
      const [long, short] = [newKey(), newKey()];
      const version = await store.set(long, write('long', T0 + HOUR));
      await store.set(short, write('short', T0 + 500));
      expect((await rawCache.get(long))?.expiresAt).toBe(T0 + 1000);
      expect((await rawCache.get(short))?.expiresAt).toBe(T0 + 500);
      vi.advanceTimersByTime(1000);
      expect(await store.get(long)).toEqual({ data: 'long', expiresAt: T0 + HOUR, version });
      expect(durable.reads).toBe(1);
    });

    it('treats a foreign or corrupt cache value as a miss and replaces it', async () => {
      const store = build();
      const key = newKey();
      await rawDurable.set(key, write('d'));
      await rawCache.set(key, write('{"not":"ours"}'));
      expect((await store.get(key))?.data).toBe('d');
      expect((await store.get(key))?.data).toBe('d');
      expect(durable.reads).toBe(1);
    });

    it('drops a copy whose record the durable store no longer has', async () => {
      const store = build();
      const key = newKey();
      await store.set(key, write('d', T0 + 1000));
      vi.advanceTimersByTime(1000);
      expect(await store.get(key)).toBeNull();
      expect(await rawCache.get(key)).toBeNull();
    });

    it('does not cache what it read when a write raced the read', async () => {
      let reached!: () => void;
      const atDurable = new Promise<void>((resolve) => {
        reached = resolve;
      });
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const slow = wrap(durable, {
        get: async (key) => {
          const record = await rawDurable.get(key);
          reached();
          await gate;
          return record;
        },
      });
      const store = tieredStore({ cache, durable: slow, onError: (e) => errors.push(e) });
      const key = newKey();
      await rawDurable.set(key, write('before'));
      const read = store.get(key);
      await atDurable; // the read has its record; a destroy lands before it can fill the cache
      await store.delete(key);
      release();
      expect((await read)?.data).toBe('before');
      expect(await rawCache.get(key)).toBeNull();
      expect(await store.get(key)).toBeNull();
    });
  });

  describe('writes', () => {
    it('go to the durable store first, then refresh the cache with its version', async () => {
      const store = build();
      const key = newKey();
      expect(await store.create(key, write('a'))).toEqual(expect.any(String));
      expect(await store.create(key, write('b'))).toBeNull();
      const version = await store.set(key, write('c'));
      expect(await rawDurable.get(key)).toMatchObject({ data: 'c', version });
      expect(await store.get(key)).toMatchObject({ data: 'c', version });
      expect(durable.reads).toBe(0);
    });

    it('leave the cache alone when the durable write fails', async () => {
      const broken = wrap(durable, {
        set: async () => {
          throw new SessionStoreError('set', 'durable down');
        },
      });
      const store = tieredStore({ cache, durable: broken });
      const key = newKey();
      await expect(store.set(key, write('x'))).rejects.toBeInstanceOf(SessionStoreError);
      expect(await rawCache.get(key)).toBeNull();
    });

    it('touch() moves the durable expiry and drops the copy', async () => {
      const store = build();
      const key = newKey();
      const version = await store.set(key, write('a', T0 + 1000));
      await store.touch(key, T0 + HOUR);
      expect(await rawCache.get(key)).toBeNull();
      expect(await store.get(key)).toEqual({ data: 'a', expiresAt: T0 + HOUR, version });
    });

    it('delete() removes both copies', async () => {
      const store = build();
      const key = newKey();
      await store.set(key, write('a'));
      await store.delete(key);
      expect(await rawDurable.get(key)).toBeNull();
      expect(await rawCache.get(key)).toBeNull();
      expect(await store.get(key)).toBeNull();
    });
  });

  describe('getAndTouch()', () => {
    const due = (expiresAt: number) => ({
      now: Date.now(),
      ifExpiresBy: Date.now() + HOUR - 600_000,
      expiresAt,
    });

    it('answers a copy that is not due from the cache alone: one cache call', async () => {
      const store = build();
      const key = newKey();
      const version = await store.set(key, write('d', T0 + HOUR));
      cache.calls = 0;
      const read = await store.getAndTouch(key, due(T0 + 2 * HOUR));
      expect(read).toEqual({ data: 'd', expiresAt: T0 + HOUR, version, touched: false });
      expect(cache.calls).toBe(1);
      expect([durable.reads, durable.touchReads, durable.touches]).toEqual([0, 0, 0]);
    });

    it('takes a due copy to the durable getAndTouch (one call) and caches the new expiry', async () => {
      const store = build();
      const key = newKey();
      await store.set(key, write('d', T0 + 10 * 60_000));
      const read = await store.getAndTouch(key, due(T0 + HOUR));
      expect(read).toMatchObject({ data: 'd', expiresAt: T0 + HOUR, touched: true });
      expect([durable.reads, durable.touchReads, durable.touches]).toEqual([0, 1, 0]);
      expect((await rawDurable.get(key))?.expiresAt).toBe(T0 + HOUR);
      // The copy carries the new expiry: the next read is the cache's, and not due.
      expect(await store.getAndTouch(key, due(T0 + HOUR))).toMatchObject({
        expiresAt: T0 + HOUR,
        touched: false,
      });
      expect(durable.touchReads).toBe(1);
    });

    it('on a miss, reads through the durable getAndTouch and fills the cache', async () => {
      const store = build();
      const key = newKey();
      await rawDurable.set(key, write('d', T0 + HOUR));
      expect(await store.getAndTouch(key, due(T0 + 2 * HOUR))).toMatchObject({ data: 'd', touched: false });
      expect(await store.get(key)).toMatchObject({ data: 'd' });
      expect([durable.reads, durable.touchReads]).toEqual([0, 1]);
    });

    it('answers null for a missing record and creates nothing in either store', async () => {
      const store = build();
      const key = newKey();
      expect(await store.getAndTouch(key, due(T0 + HOUR))).toBeNull();
      expect(await rawDurable.get(key)).toBeNull();
      expect(await rawCache.get(key)).toBeNull();
    });

    it('over a durable store without getAndTouch: get, then touch only when due', async () => {
      const inner = memoryStore({ warn: false, sweepInterval: 0 });
      const bare = counted(inner);
      const store = tieredStore({
        cache,
        durable: {
          get: (k) => bare.get(k),
          create: (k, w) => bare.create(k, w),
          set: (k, w) => bare.set(k, w),
          touch: (k, at) => bare.touch(k, at),
          delete: (k) => bare.delete(k),
        },
      });
      const [notDue, isDue] = [newKey(), newKey()];
      await inner.set(notDue, write('n', T0 + HOUR));
      await inner.set(isDue, write('d', T0 + 60_000));
      expect(await store.getAndTouch(notDue, due(T0 + 2 * HOUR))).toMatchObject({ touched: false });
      expect(bare.touches).toBe(0);
      expect(await store.getAndTouch(isDue, due(T0 + HOUR))).toMatchObject({
        data: 'd',
        expiresAt: T0 + HOUR,
        touched: true,
      });
      expect(bare.touches).toBe(1);
      expect((await inner.get(isDue))?.expiresAt).toBe(T0 + HOUR);
    });
  });

  describe('compareAndSet()', () => {
    it("delegates to the durable store's and drops a stale copy on conflict", async () => {
      const a = build();
      const b = build();
      const key = newKey();
      const v1 = await a.set(key, write('v1'));
      // Another process writes the durable record behind the cache's back.
      const v2 = await rawDurable.set(key, write('v2'));
      const cached = await a.get(key);
      expect(cached).toMatchObject({ data: 'v1', version: v1 });
      expect(await b.compareAndSet?.(key, cached!.version, write('lost'))).toBeNull();
      // The conflict dropped the copy: the re-read sees the durable record and the retry wins.
      const fresh = await a.get(key);
      expect(fresh).toMatchObject({ data: 'v2', version: v2 });
      const v3 = await a.compareAndSet?.(key, fresh!.version, write('v3'));
      expect(v3).toEqual(expect.any(String));
      expect(await b.get(key)).toMatchObject({ data: 'v3', version: v3 });
    });

    it('has the capabilities of the durable store, and getAndTouch', () => {
      const inner = memoryStore({ warn: false });
      const bare: SessionStore = {
        get: (k) => inner.get(k),
        create: (k, w) => inner.create(k, w),
        set: (k, w) => inner.set(k, w),
        touch: (k, at) => inner.touch(k, at),
        delete: (k) => inner.delete(k),
      };
      expect(storeCapabilities(tieredStore({ cache, durable: bare }))).toEqual({
        compareAndSet: false,
        getAndTouch: true,
        userIndex: false,
        deleteExpired: false,
        close: true,
      });
      expect(storeCapabilities(build())).toEqual({
        compareAndSet: true,
        getAndTouch: true,
        userIndex: true,
        deleteExpired: true,
        close: true,
      });
    });

    it('lists users and deletes expired records through the durable store', async () => {
      const store = build();
      const key = newKey();
      await store.set(key, write('a', T0 + HOUR, 'u1'));
      await store.set(newKey(), write('b', T0 + 10));
      expect((await store.listByUser?.('u1'))?.map((s) => s.key)).toEqual([key]);
      vi.advanceTimersByTime(10);
      expect(await store.deleteExpired?.()).toBe(1);
    });
  });

  describe('when the cache is unreachable', () => {
    it('serves every method from the durable store and reports through onError', async () => {
      const store = build();
      const key = newKey();
      await store.set(key, write('a', T0 + HOUR, 'u'));
      cache.down = true;
      expect(await store.get(key)).toMatchObject({ data: 'a' });
      const v2 = await store.set(key, write('b', T0 + HOUR, 'u'));
      const v3 = await store.compareAndSet?.(key, v2, write('c', T0 + HOUR, 'u'));
      expect(v3).toEqual(expect.any(String));
      await store.touch(key, T0 + 2 * HOUR);
      expect(await store.get(key)).toEqual({ data: 'c', expiresAt: T0 + 2 * HOUR, version: v3 });
      const other = newKey();
      expect(await store.create(other, write('o'))).toEqual(expect.any(String));
      await store.delete(other);
      expect(await store.get(other)).toBeNull();
      expect(errors.length).toBeGreaterThan(0);
      expect(errors[0]).toBeInstanceOf(SessionStoreError);
      expect(errors[0]?.operation).toBe('cache.get');
    });

    it('leaves the cache alone for retryMs after a failure instead of waiting on it each request', async () => {
      const store = build({ retryMs: 1000 });
      const key = newKey();
      await rawDurable.set(key, write('a'));
      cache.down = true;
      await store.get(key);
      const calls = cache.calls;
      for (let i = 0; i < 5; i++) await store.get(key);
      expect(cache.calls).toBe(calls);
      expect(errors).toHaveLength(1);
      cache.down = false;
      vi.advanceTimersByTime(1000);
      await store.get(key);
      expect(cache.calls).toBeGreaterThan(calls);
    });

    it('never brings back a session destroyed during the outage', async () => {
      const store = build({ retryMs: 1000 });
      const key = newKey();
      await store.set(key, write('secret'));
      expect(await rawCache.get(key)).not.toBeNull();
      cache.down = true;
      await store.delete(key);
      cache.down = false; // back, still holding the old copy
      expect(await rawCache.get(key)).not.toBeNull();
      expect(await store.get(key)).toBeNull();
      // The remembered removal reaches the cache once retryMs has passed, without any request.
      await vi.advanceTimersByTimeAsync(1001);
      expect(await rawCache.get(key)).toBeNull();
      expect(await store.get(key)).toBeNull();
    });

    it('never reads a key from the cache while its removal is still outstanding', async () => {
      const store = build({ retryMs: 1000 });
      const key = newKey();
      await store.set(key, write('secret'));
      cache.down = true;
      await store.delete(key);
      // The cache answers reads again, but removals keep failing (say, a read-only replica).
      cache.down = false;
      cache.failing.add('delete');
      for (let i = 0; i < 3; i++) {
        await vi.advanceTimersByTimeAsync(1001);
        expect(await rawCache.get(key)).not.toBeNull();
        expect(await store.get(key)).toBeNull();
      }
      // Removals work again but are slow: reads that come before the removal lands skip the copy.
      cache.failing.clear();
      let finish!: () => void;
      cache.slowDeletes = new Promise<void>((resolve) => {
        finish = resolve;
      });
      vi.advanceTimersByTime(1001);
      expect(await store.get(key)).toBeNull();
      expect(await rawCache.get(key)).not.toBeNull();
      finish();
      await vi.advanceTimersByTimeAsync(1001);
      expect(await rawCache.get(key)).toBeNull();
      expect(await store.get(key)).toBeNull();
    });

    it('never serves the data a write replaced during the outage', async () => {
      const store = build({ retryMs: 1000 });
      const key = newKey();
      await store.set(key, write('old'));
      cache.down = true;
      const version = await store.set(key, write('new'));
      cache.down = false;
      expect(await store.get(key)).toMatchObject({ data: 'new', version });
      await vi.advanceTimersByTimeAsync(1001);
      expect(await store.get(key)).toMatchObject({ data: 'new', version });
    });

    it('bounds what another process sharing the cache can still read: until the retry, at most cacheTtlMs', async () => {
      const a = build({ retryMs: 1000, cacheTtlMs: 10_000 });
      const b = build({ retryMs: 1000, cacheTtlMs: 10_000 });
      const [retried, orphaned] = [newKey(), newKey()];
      await a.set(retried, write('r'));
      await a.set(orphaned, write('o'));
      cache.down = true;
      await a.delete(retried);
      cache.down = false;
      // b never saw the outage: until a's retry lands it still finds the copy (the documented window).
      expect((await b.get(retried))?.data).toBe('r');
      await vi.advanceTimersByTimeAsync(1001);
      expect(await b.get(retried)).toBeNull();
      // If a stops before it can retry, the copy's own lifetime ends the window.
      cache.down = true;
      await a.delete(orphaned);
      cache.down = false;
      await a.close();
      await vi.advanceTimersByTimeAsync(5000);
      expect((await b.get(orphaned))?.data).toBe('o');
      vi.advanceTimersByTime(4000); // 10 s after the copy was written
      expect(await b.get(orphaned)).toBeNull();
    });

    it('stops reading the cache when too many removals are pending, until every copy has expired', async () => {
      const store = build({ retryMs: 1000, cacheTtlMs: 10_000, maxPendingRemovals: 1 });
      const [x, y, z] = [newKey(), newKey(), newKey()];
      for (const key of [x, y, z]) await store.set(key, write(key));
      cache.down = true;
      await store.delete(x);
      await store.delete(y); // not remembered: the limit is 1
      cache.down = false;
      vi.advanceTimersByTime(1000);
      expect(await store.get(y)).toBeNull();
      const reads = durable.reads;
      expect((await store.get(z))?.data).toBe(z);
      expect(durable.reads).toBe(reads + 1); // the cache was not trusted
      vi.advanceTimersByTime(10_000);
      await store.get(z);
      await store.get(z);
      expect(durable.reads).toBe(reads + 2); // refilled once, then served by the cache again
    });

    it('gives up on a cache that does not answer after cacheTimeoutMs', async () => {
      const hanging = { ...cache, get: () => new Promise<never>(() => {}) };
      const store = tieredStore({
        cache: hanging,
        durable,
        cacheTimeoutMs: 100,
        onError: (e) => errors.push(e),
      });
      const key = newKey();
      await rawDurable.set(key, write('a'));
      const read = store.get(key);
      await vi.advanceTimersByTimeAsync(100);
      expect((await read)?.data).toBe('a');
      expect(errors.map((e) => e.operation)).toEqual(['cache.get']);
      expect(String((errors[0]?.cause as Error | undefined)?.message)).toContain('timed out after 100 ms');
      expect(vi.getTimerCount()).toBe(0);
    });

    it('keeps serving when the onError hook throws', async () => {
      const store = tieredStore({
        cache,
        durable,
        onError: () => {
          throw new Error('logger down');
        },
      });
      const key = newKey();
      await rawDurable.set(key, write('a'));
      cache.down = true;
      expect((await store.get(key))?.data).toBe('a');
    });
  });

  describe('close()', () => {
    it('closes both stores and cancels a pending retry', async () => {
      const closed: string[] = [];
      const c = { ...cache, close: async () => void closed.push('cache') };
      const d = wrap(durable, { close: async () => void closed.push('durable') });
      const store = tieredStore({ cache: c, durable: d, onError: () => {} });
      const key = newKey();
      await store.set(key, write('a'));
      cache.down = true;
      await store.delete(key);
      await store.close();
      expect(closed.sort()).toEqual(['cache', 'durable']);
      expect(vi.getTimerCount()).toBe(0);
    });
  });

  it('rejects missing or identical stores and bad numbers', () => {
    expect(() => tieredStore({ cache, durable: undefined as unknown as MemoryStore })).toThrow(/durable/);
    expect(() => tieredStore({ cache: durable, durable })).toThrow(/two different stores/);
    expect(() => tieredStore({ cache, durable, cacheTtlMs: 0 })).toThrow(/cacheTtlMs/);
    expect(() => tieredStore({ cache, durable, retryMs: Number.NaN })).toThrow(/retryMs/);
    expect(() => tieredStore({ cache, durable, cacheTimeoutMs: -1 })).toThrow(/cacheTimeoutMs/);
    expect(() => tieredStore({ cache, durable, cacheTimeoutMs: 0 })).not.toThrow();
  });
});
