/** A store wrapper that counts the calls (round trips) each request makes to the store underneath. */
import type { AnySessionStore } from '@cloakroom/session-core';

export type StoreOperation =
  | 'get'
  | 'create'
  | 'set'
  | 'touch'
  | 'delete'
  | 'compareAndSet'
  | 'listByUser'
  | 'deleteExpired';

export interface CountingStore {
  /** Pass this to the session manager. It has exactly the optional capabilities of the wrapped store. */
  readonly store: AnySessionStore;
  /** Calls per operation since the last reset; operations never called are absent. */
  counts(): Partial<Record<StoreOperation, number>>;
  /** All calls since the last reset. */
  total(): number;
  reset(): void;
}

/** Wraps a store; every method call is counted, then forwarded unchanged. */
export function countingStore(inner: AnySessionStore): CountingStore {
  let counts: Partial<Record<StoreOperation, number>> = {};
  const counted =
    <A extends unknown[], R>(operation: StoreOperation, call: (...args: A) => R) =>
    (...args: A): R => {
      counts[operation] = (counts[operation] ?? 0) + 1;
      return call(...args);
    };
  const store: AnySessionStore = {
    get: counted('get', (key) => inner.get(key)),
    create: counted('create', (key, write) => inner.create(key, write)),
    set: counted('set', (key, write) => inner.set(key, write)),
    touch: counted('touch', (key, expiresAt) => inner.touch(key, expiresAt)),
    delete: counted('delete', (key) => inner.delete(key)),
  };
  // Optional capabilities are copied only when present: the manager detects them once, by presence.
  const { compareAndSet, listByUser, deleteExpired, close } = inner;
  if (compareAndSet) store.compareAndSet = counted('compareAndSet', compareAndSet.bind(inner));
  if (listByUser) store.listByUser = counted('listByUser', listByUser.bind(inner));
  if (deleteExpired) store.deleteExpired = counted('deleteExpired', deleteExpired.bind(inner));
  if (close) store.close = close.bind(inner);
  return {
    store,
    counts: () => ({ ...counts }),
    total: () => Object.values(counts).reduce((sum, n) => sum + n, 0),
    reset: () => {
      counts = {};
    },
  };
}
