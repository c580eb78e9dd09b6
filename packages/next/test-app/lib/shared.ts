import {
  type AnySessionStore,
  memoryStore,
  type SessionWrite,
  type StoredSession,
  type StoredUserSession,
} from '@cloakroom/session-core';
import { redisStore } from '@cloakroom/session-redis';
import { Redis } from 'ioredis';

/**
 * What every part of the test app shares. Next compiles proxy.ts, the App Router and the Pages Router
 * separately, each with its own copy of this module, so the clock and the store live on globalThis.
 */
export interface Shared {
  /** The app's clock: frozen, moved only by the test hook (see app/__test). */
  current: number;
  readonly now: () => number;
  /** The store the sessions use: the real store, counted. */
  readonly store: AnySessionStore;
  /** The real store, for the test hook that writes through it (minting a cookie signed elsewhere). */
  readonly base: AnySessionStore;
  readonly counts: Record<string, number>;
  /** Session errors reported to onError (corrupt records, failed after() commits). */
  readonly reported: string[];
}

function counting(store: AnySessionStore, counts: Record<string, number>): AnySessionStore {
  const count = (method: string): void => {
    counts[method] = (counts[method] ?? 0) + 1;
  };
  const wrapper: AnySessionStore = {
    get: (key: string): Promise<StoredSession | null> => (count('get'), store.get(key)),
    create: (key: string, write: SessionWrite) => (count('create'), store.create(key, write)),
    set: (key: string, write: SessionWrite) => (count('set'), store.set(key, write)),
    touch: (key: string, expiresAt: number) => (count('touch'), store.touch(key, expiresAt)),
    delete: (key: string) => (count('delete'), store.delete(key)),
  };
  const { compareAndSet, listByUser } = store;
  if (compareAndSet) {
    wrapper.compareAndSet = (key: string, version: string, write: SessionWrite) => (
      count('compareAndSet'), compareAndSet.call(store, key, version, write)
    );
  }
  if (listByUser) {
    wrapper.listByUser = (userId: string): Promise<StoredUserSession[]> => (
      count('listByUser'), listByUser.call(store, userId)
    );
  }
  return wrapper;
}

function createShared(): Shared {
  const shared = { current: Date.now() } as { current: number };
  const now = (): number => shared.current;
  let base: AnySessionStore;
  if (process.env.TEST_APP_STORE === 'redis') {
    const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
      lazyConnect: true,
      commandTimeout: 500,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => 100,
    });
    client.on('error', () => undefined);
    void client.connect().catch(() => undefined);
    base = redisStore({ client, prefix: process.env.TEST_APP_PREFIX ?? 'cloakroom-next-test:' });
  } else {
    base = memoryStore({ now, warn: false, sweepInterval: 0 });
  }
  const counts: Record<string, number> = {};
  return Object.assign(shared, {
    now,
    base,
    counts,
    store: counting(base, counts),
    reported: [] as string[],
  });
}

const KEY = Symbol.for('cloakroom.next.test-app');

export function shared(): Shared {
  const holder = globalThis as unknown as Record<symbol, Shared | undefined>;
  holder[KEY] ??= createShared();
  return holder[KEY];
}
