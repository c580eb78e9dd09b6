import { type AnySessionStore, memoryStore } from '@cloakroom/session-core';
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
  // Not a mock: every call goes to the real store; it is only counted on the way.
  const counted =
    <A extends unknown[], R>(method: string, call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      counts[method] = (counts[method] ?? 0) + 1;
      return call.apply(store, args);
    };
  const wrapper: AnySessionStore = {
    get: counted('get', store.get),
    create: counted('create', store.create),
    set: counted('set', store.set),
    touch: counted('touch', store.touch),
    delete: counted('delete', store.delete),
  };
  if (store.compareAndSet) wrapper.compareAndSet = counted('compareAndSet', store.compareAndSet);
  if (store.listByUser) wrapper.listByUser = counted('listByUser', store.listByUser);
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
