import { type AnySessionStore, memoryStore } from '@cloakroom/session-core';
import { createNextSession } from '@cloakroom/session-next';

// Route Handlers may be bundled apart: the store and its call count live on globalThis, once per process.
interface Shared {
  store: AnySessionStore;
  calls: number;
}
const holder = globalThis as { __resilience?: Shared };
function shared(): Shared {
  if (holder.__resilience) return holder.__resilience;
  const memory = memoryStore({ warn: false });
  const state: Shared = { calls: 0, store: memory };
  // Counts every store call; each goes to the real memory store.
  const counted = <T>(call: () => Promise<T>): Promise<T> => {
    state.calls++;
    return call();
  };
  state.store = {
    get: (key) => counted(() => memory.get(key)),
    create: (key, write) => counted(() => memory.create(key, write)),
    set: (key, write) => counted(() => memory.set(key, write)),
    touch: (key, expiresAt) => counted(() => memory.touch(key, expiresAt)),
    delete: (key) => counted(() => memory.delete(key)),
    compareAndSet: (key, version, write) => counted(() => memory.compareAndSet(key, version, write)),
  };
  holder.__resilience = state;
  return state;
}

export const state: Shared = shared();

export const { withSession } = createNextSession({
  store: state.store,
  secret: 'scenario-current-secret-0123456789abcdefghij',
  cookie: { name: 'sid', path: '/', secure: true, httpOnly: true, sameSite: 'lax' },
  idleTimeout: 600,
  absoluteTimeout: 3_600,
});
