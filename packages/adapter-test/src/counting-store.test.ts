import { memoryStore, storeCapabilities } from '@cloakroom/session-core';
import { describe, expect, it } from 'vitest';
import { countingStore } from './counting-store.ts';

const write = (data: string, expiresAt: number) => ({
  data,
  expiresAt,
  absoluteExpiresAt: expiresAt,
  userId: 'u1',
});

describe('countingStore()', () => {
  it('passes every call to the real store and counts it', async () => {
    const inner = memoryStore({ warn: false, sweepInterval: 0 });
    const store = countingStore(inner);
    const expiresAt = Date.now() + 60_000;
    const version = await store.create('k1', write('one', expiresAt));
    expect(version).not.toBeNull();
    expect(await store.create('k1', write('two', expiresAt))).toBeNull();
    expect((await inner.get('k1'))?.data).toBe('one');
    const next = await store.compareAndSet!('k1', version!, write('three', expiresAt));
    expect(next).not.toBeNull();
    expect((await store.get('k1'))?.data).toBe('three');
    await store.touch('k1', expiresAt + 1_000);
    expect((await inner.get('k1'))?.expiresAt).toBe(expiresAt + 1_000);
    expect((await store.listByUser!('u1')).map((row) => row.key)).toEqual(['k1']);
    const read = await store.getAndTouch!('k1', {
      now: Date.now(),
      ifExpiresBy: expiresAt + 1_000,
      expiresAt: expiresAt + 2_000,
    });
    expect(read?.touched).toBe(true);
    expect((await inner.get('k1'))?.expiresAt).toBe(expiresAt + 2_000);
    await store.set('k2', write('four', expiresAt));
    await store.delete('k1');
    expect(await inner.get('k1')).toBeNull();
    expect(store.calls()).toEqual({
      get: 1,
      create: 2,
      set: 1,
      touch: 1,
      delete: 1,
      compareAndSet: 1,
      getAndTouch: 1,
      listByUser: 1,
      deleteExpired: 0,
      close: 0,
    });
    expect(store.totalCalls()).toBe(9);
    store.resetCalls();
    expect(store.totalCalls()).toBe(0);
    await store.close!();
  });

  it('has exactly the capabilities of the store it wraps, and leaves it untouched', async () => {
    const inner = memoryStore({ warn: false, sweepInterval: 0 });
    const {
      get,
      create,
      set,
      touch,
      delete: remove,
      compareAndSet,
      getAndTouch,
      listByUser,
      deleteExpired,
      close,
    } = inner;
    const bare = { get, create, set, touch, delete: remove };
    expect(storeCapabilities(countingStore(inner))).toEqual(storeCapabilities(inner));
    expect(storeCapabilities(countingStore(bare))).toEqual({
      compareAndSet: false,
      getAndTouch: false,
      userIndex: false,
      deleteExpired: false,
      close: false,
    });
    expect(inner.compareAndSet).toBe(compareAndSet);
    expect(inner.getAndTouch).toBe(getAndTouch);
    expect(inner.listByUser).toBe(listByUser);
    expect(inner.deleteExpired).toBe(deleteExpired);
    expect(inner.close).toBe(close);
  });

  it('counts a call that fails and lets the failure through', async () => {
    const failing = countingStore({
      get: () => Promise.reject(new Error('down')),
      create: () => Promise.resolve(null),
      set: () => Promise.resolve('1'),
      touch: () => Promise.resolve(false),
      delete: () => Promise.resolve(),
    });
    await expect(failing.get('k')).rejects.toThrow('down');
    expect(failing.calls().get).toBe(1);
  });
});
