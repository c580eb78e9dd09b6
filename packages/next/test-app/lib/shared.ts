import { type CountingStore, countingStore } from '@cloakroom/session-adapter-test/kit';
import { type AnySessionStore, memoryStore, sealedCookies } from '@cloakroom/session-core';
import { redisStoreNow } from '@cloakroom/test-stores';

/**
 * What every part of the test app shares. Next compiles proxy.ts, the App Router and the Pages Router
 * separately, each with its own copy of this module, so the clock and the store live on globalThis.
 */
export interface Shared {
  /** The app's clock: frozen, moved only by the test hook (see app/__test). */
  current: number;
  readonly now: () => number;
  /**
   * The store the sessions use, its calls counted; in sealed mode (TEST_APP_STORE=sealed), the
   * revocation store.
   */
  readonly store: CountingStore;
  /**
   * The real store, for the test hook that writes through it (minting a cookie signed elsewhere); in
   * sealed mode, the revocation store the suite's own `sealedCookies()` mints over.
   */
  readonly base: AnySessionStore;
  /**
   * What the manager gets as `store`: {@link Shared.store}, or in sealed mode `sealedCookies()` over the
   * revocation store, unwrapped (a counting wrapper around the mode object would hide its brand).
   */
  readonly sessions: AnySessionStore;
  /** Session errors reported to onError (corrupt records, failed after() commits). */
  readonly reported: string[];
}

function createShared(): Shared {
  const shared = { current: Date.now() } as { current: number };
  const now = (): number => shared.current;
  let base: AnySessionStore;
  if (process.env.TEST_APP_STORE === 'redis') {
    base = redisStoreNow({
      url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      prefix: process.env.TEST_APP_PREFIX ?? 'cloakroom-next-test:',
      failFast: true,
    }).store;
  } else {
    base = memoryStore({ now, warn: false, sweepInterval: 0 });
  }
  const store = countingStore(base);
  return Object.assign(shared, {
    now,
    base,
    store,
    sessions: process.env.TEST_APP_STORE === 'sealed' ? sealedCookies({ revocation: base }) : store,
    reported: [] as string[],
  });
}

const KEY = Symbol.for('cloakroom.next.test-app');

export function shared(): Shared {
  const holder = globalThis as unknown as Record<symbol, Shared | undefined>;
  holder[KEY] ??= createShared();
  return holder[KEY];
}
