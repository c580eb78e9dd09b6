// The memory store's conformance is proven here: core cannot depend on this package (a cycle).
import { memoryStore, type SessionStore, tieredStore } from '@cloakroom/session-core';
import { describeStoreConformance } from './index.ts';

describeStoreConformance({
  name: 'memory',
  createStore: () => memoryStore({ warn: false }),
  cleanup: (store) => store.close(),
  capabilities: { compareAndSet: true, userIndex: true, deleteExpired: true, getAndTouch: true },
});

// Core's tiered store (a cache in front of a durable store), over two memory stores: its getAndTouch
// answers from the cache when not due and goes to the durable store otherwise.
describeStoreConformance({
  name: 'tiered (memory over memory)',
  createStore: () =>
    tieredStore({ cache: memoryStore({ warn: false }), durable: memoryStore({ warn: false }) }),
  cleanup: (store) => store.close(),
  capabilities: { compareAndSet: true, userIndex: true, deleteExpired: true, getAndTouch: true },
});

// The same records behind the required methods only: every capability declared absent, so the
// suite's other branch runs, and its backendExpiry checks run against what the store holds.
const inner = memoryStore({ warn: false });
describeStoreConformance<SessionStore>({
  name: 'memory, required methods only',
  createStore: () => ({
    get: (key) => inner.get(key),
    create: (key, write) => inner.create(key, write),
    set: (key, write) => inner.set(key, write),
    touch: (key, expiresAt) => inner.touch(key, expiresAt),
    delete: (key) => inner.delete(key),
  }),
  cleanup: () => inner.close(),
  capabilities: { compareAndSet: false, userIndex: false, deleteExpired: false },
  backendExpiry: async (_store, key) => (await inner.get(key))?.expiresAt ?? null,
});
