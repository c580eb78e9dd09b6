// Test helpers shared by core's tests (not exported from the package).
import type { SessionError } from './errors.ts';
import { createSessionManager } from './factory.ts';
import type { SessionManager } from './manager.ts';
import { type MemoryStore, memoryStore } from './memory-store.ts';
import type { SessionData, SessionManagerOptions } from './session.ts';
import type { AnySessionStore } from './store.ts';

/**
 * The five required methods of `memory`, plus `extra` (optional capabilities, or overrides that fail or
 * misbehave): a store with exactly the capabilities a test wants.
 */
export function storeOver(memory: MemoryStore, extra: Partial<AnySessionStore> = {}): AnySessionStore {
  return {
    get: (key) => memory.get(key),
    create: (key, write) => memory.create(key, write),
    set: (key, write) => memory.set(key, write),
    touch: (key, expiresAt) => memory.touch(key, expiresAt),
    delete: (key) => memory.delete(key),
    ...extra,
  };
}

export const SECRET = 'a-test-secret-that-is-long-enough-0001';
export const OLD_SECRET = 'an-older-secret-that-is-long-enough-002';
export const START: number = Date.UTC(2026, 0, 1);

/** A real memory store with a counter of calls per method: rounds trips are what users pay for. */
export function counted(store: AnySessionStore): {
  store: AnySessionStore;
  calls: Record<string, number>;
  total(): number;
} {
  const calls: Record<string, number> = {};
  const wrapped = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) => {
        calls[property] = (calls[property] ?? 0) + 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: wrapped, calls, total: () => Object.values(calls).reduce((a, b) => a + b, 0) };
}

export interface Harness<Data extends SessionData> {
  manager: SessionManager<Data>;
  memory: MemoryStore;
  calls: Record<string, number>;
  total(): number;
  clock: { now: number };
  errors: SessionError[];
}

export function setup<Data extends SessionData = SessionData>(
  options: Partial<SessionManagerOptions> = {},
  memory?: MemoryStore,
): Harness<Data> {
  const clock = { now: START };
  const mem = memory ?? memoryStore({ warn: false, now: () => clock.now });
  const counter = counted(mem);
  const errors: SessionError[] = [];
  const manager = createSessionManager<Data>({
    store: counter.store,
    secret: SECRET,
    idleTimeout: 3600,
    absoluteTimeout: 86_400,
    now: () => clock.now,
    onError: (error) => errors.push(error),
    ...options,
  });
  return { manager, memory: mem, calls: counter.calls, total: counter.total, clock, errors };
}

/** The `name=value` pair of a Set-Cookie header, as a browser would send it back. */
export function cookiePair(setCookie: string | null): string {
  if (setCookie === null) throw new Error('expected a Set-Cookie');
  return setCookie.split(';')[0]!;
}

export async function write<Data extends SessionData>(
  manager: SessionManager<Data>,
  cookie: string | null,
  fn: (session: ReturnType<SessionManager<Data>['open']>['session']) => void | Promise<void>,
): Promise<{
  setCookie: string | null;
  cookie: string | null;
  headers: ReadonlyArray<readonly [string, string]>;
}> {
  const handle = manager.open({ cookie, secure: true });
  await fn(handle.session);
  const result = await handle.commit({ status: 200 });
  return {
    setCookie: result.setCookie,
    cookie: result.setCookie ? cookiePair(result.setCookie) : cookie,
    headers: result.headers,
  };
}

export async function read<Data extends SessionData>(
  manager: SessionManager<Data>,
  cookie: string | null,
  key: string,
): Promise<{ value: unknown; setCookie: string | null }> {
  const handle = manager.open({ cookie, secure: true });
  const value = await handle.session.get(key as keyof Data & string);
  const result = await handle.commit({ status: 200 });
  return { value, setCookie: result.setCookie };
}
