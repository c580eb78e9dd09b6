import { type AnySessionStore, memoryStore } from '@cloakroom/session-core';

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
