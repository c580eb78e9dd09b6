import type {
  AnySessionStore,
  SessionWrite,
  StoredSession,
  StoredUserSession,
  TouchedSession,
  TouchIfDue,
} from '@cloakroom/session-core';

/** Every store method the counting wrapper counts. */
export type StoreMethod =
  | 'get'
  | 'create'
  | 'set'
  | 'touch'
  | 'delete'
  | 'compareAndSet'
  | 'getAndTouch'
  | 'listByUser'
  | 'deleteExpired'
  | 'close';

/** Calls per store method since the last reset. */
export type StoreCallCounts = Readonly<Record<StoreMethod, number>>;

/** A real store wrapped to count calls: the same behaviour and capabilities, plus the counts. */
export type CountingStore = AnySessionStore & {
  /** Calls per method since the last {@link CountingStore.resetCalls}. */
  calls(): StoreCallCounts;
  /** Sets every count back to zero. */
  resetCalls(): void;
  /** Total calls since the last reset. */
  totalCalls(): number;
};

const METHODS: readonly StoreMethod[] = [
  'get',
  'create',
  'set',
  'touch',
  'delete',
  'compareAndSet',
  'getAndTouch',
  'listByUser',
  'deleteExpired',
  'close',
];

function zero(): Record<StoreMethod, number> {
  return {
    get: 0,
    create: 0,
    set: 0,
    touch: 0,
    delete: 0,
    compareAndSet: 0,
    getAndTouch: 0,
    listByUser: 0,
    deleteExpired: 0,
    close: 0,
  };
}

/**
 * Wraps a real store so a test can count what the app asked of it. Not a mock: every call goes to
 * the wrapped store unchanged (a call is counted when it starts, whether it then succeeds or fails),
 * and the wrapper has exactly the wrapped store's optional capabilities, so the manager behaves as
 * it would with the store itself. The wrapped store is not modified.
 * @example
 * const store = countingStore(memoryStore({ warn: false }));
 * // ... requests ...
 * expect(store.calls().touch).toBe(1);
 */
export function countingStore(store: AnySessionStore): CountingStore {
  let counts = zero();
  const count = (method: StoreMethod): void => {
    counts[method]++;
  };
  const wrapper: CountingStore = {
    get(key: string): Promise<StoredSession | null> {
      count('get');
      return store.get(key);
    },
    create(key: string, write: SessionWrite): Promise<string | null> {
      count('create');
      return store.create(key, write);
    },
    set(key: string, write: SessionWrite): Promise<string> {
      count('set');
      return store.set(key, write);
    },
    touch(key: string, expiresAt: number): Promise<boolean> {
      count('touch');
      return store.touch(key, expiresAt);
    },
    delete(key: string): Promise<void> {
      count('delete');
      return store.delete(key);
    },
    calls: () => ({ ...counts }),
    resetCalls: () => {
      counts = zero();
    },
    totalCalls: () => METHODS.reduce((sum, method) => sum + counts[method], 0),
  };
  // Only the capabilities the real store has: core detects them once, by presence.
  const { compareAndSet, getAndTouch, listByUser, deleteExpired, close } = store;
  if (compareAndSet) {
    wrapper.compareAndSet = (key: string, version: string, write: SessionWrite): Promise<string | null> => {
      count('compareAndSet');
      return compareAndSet.call(store, key, version, write);
    };
  }
  if (getAndTouch) {
    wrapper.getAndTouch = (key: string, touch: TouchIfDue): Promise<TouchedSession | null> => {
      count('getAndTouch');
      return getAndTouch.call(store, key, touch);
    };
  }
  if (listByUser) {
    wrapper.listByUser = (userId: string): Promise<StoredUserSession[]> => {
      count('listByUser');
      return listByUser.call(store, userId);
    };
  }
  if (deleteExpired) {
    wrapper.deleteExpired = (): Promise<number> => {
      count('deleteExpired');
      return deleteExpired.call(store);
    };
  }
  if (close) {
    wrapper.close = (): Promise<void> => {
      count('close');
      return close.call(store);
    };
  }
  return wrapper;
}
