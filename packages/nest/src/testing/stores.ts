import { type AnySessionStore, memoryStore, SessionStoreError } from '@cloakroom/session-core';

/** A memory store that can be switched to fail like a store whose server is down. */
export interface SwitchableStore extends AnySessionStore {
  down: boolean;
}

/** Wraps a real memory store; while `down`, every call rejects as a store client would (wrapped). */
export function switchableStore(): SwitchableStore {
  const inner = memoryStore({ warn: false, sweepInterval: 0 });
  const fail = (operation: string): never => {
    throw SessionStoreError.from(operation, new Error('connect ECONNREFUSED 127.0.0.1:6379'));
  };
  const store: SwitchableStore = {
    down: false,
    get: async (key) => (store.down ? fail('get') : inner.get(key)),
    create: async (key, write) => (store.down ? fail('create') : inner.create(key, write)),
    set: async (key, write) => (store.down ? fail('set') : inner.set(key, write)),
    touch: async (key, expiresAt) => (store.down ? fail('touch') : inner.touch(key, expiresAt)),
    delete: async (key) => (store.down ? fail('delete') : inner.delete(key)),
    compareAndSet: async (key, version, write) =>
      store.down ? fail('compareAndSet') : inner.compareAndSet(key, version, write),
    close: () => inner.close(),
  };
  return store;
}

/** A memory store whose writes wait for `release()`, recording the order of events in `log`. */
export interface GatedStore extends AnySessionStore {
  readonly log: string[];
  /** Resolves once a write is waiting at the gate. */
  readonly writeStarted: Promise<void>;
  release(): void;
}

export function gatedStore(): GatedStore {
  const inner = memoryStore({ warn: false, sweepInterval: 0 });
  const log: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let started!: () => void;
  const writeStarted = new Promise<void>((resolve) => {
    started = resolve;
  });
  return {
    log,
    writeStarted,
    release,
    get: (key) => inner.get(key),
    async create(key, write) {
      log.push('create:start');
      started();
      await gate;
      const version = await inner.create(key, write);
      log.push('create:end');
      return version;
    },
    set: (key, write) => inner.set(key, write),
    touch: (key, expiresAt) => inner.touch(key, expiresAt),
    delete: (key) => inner.delete(key),
    async close() {
      log.push('close');
      await inner.close();
    },
  };
}
