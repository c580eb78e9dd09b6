/**
 * Store round trips per request: every call core makes on the store interface, counted by a wrapper
 * around a real store (the memory store, or the Redis store with the Redis commands its client sent).
 * Deterministic: the clock is injected, so the same calls happen on every run (the unit test asserts
 * them; the report prints them).
 */

import { type AnySessionStore, createSessionManager, memoryStore } from '@cloakroom/session-core';

export interface RoundTrips {
  readonly scenario: string;
  /** What the request did. */
  readonly description: string;
  /** Store calls. */
  readonly total: number;
  /** Store calls by method. */
  readonly counts: Partial<Record<string, number>>;
  /** For a Redis store: the commands its client sent, by name (a script is one EVALSHA). */
  readonly commands?: Partial<Record<string, number>>;
}

/** A store wrapped to count every call on it, by method name, and the calls so far. */
export interface CountedStore {
  readonly store: AnySessionStore;
  calls(): Record<string, number>;
  reset(): void;
}

/**
 * Wraps a real store so every method call is counted, whatever the method: optional capabilities
 * (getAndTouch, compareAndSet, ...) stay exactly as present or absent as on the store itself, since core
 * detects them by presence. Every call goes to the store unchanged; the store is not modified.
 */
export function countCalls(store: AnySessionStore): CountedStore {
  let counts: Record<string, number> = {};
  const wrappers = new Map<PropertyKey, unknown>();
  const proxy = new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      let wrapper = wrappers.get(property);
      if (!wrapper) {
        const name = String(property);
        wrapper = (...args: unknown[]): unknown => {
          counts[name] = (counts[name] ?? 0) + 1;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
        wrappers.set(property, wrapper);
      }
      return wrapper;
    },
  });
  return {
    store: proxy,
    calls: () => ({ ...counts }),
    reset: () => {
      counts = {};
    },
  };
}

/** Counts the commands an ioredis client sends, by name (every command passes through sendCommand). */
export interface CommandCounter {
  commands(): Record<string, number>;
  reset(): void;
}

const SECRET = 'round-trip-count-secret-0123456789abcdef';
const IDLE = 3600;
const TOUCH = 300;

/**
 * Runs the request kinds issue 15 names (untouched, read, read due for a touch, write) plus the first
 * write against a counted store. `makeStore` gets the injected clock; `commands`, when given, counts the
 * Redis commands of each request.
 */
export async function measureRoundTrips(
  makeStore: (now: () => number) => AnySessionStore = (now) => memoryStore({ warn: false, now }),
  commands?: CommandCounter,
): Promise<RoundTrips[]> {
  // Starts at the real time, so a store that turns expiry into its server's TTL (Redis) sees live records.
  let clock = Date.now();
  const counted = countCalls(makeStore(() => clock));
  const manager = createSessionManager({
    store: counted.store,
    secret: SECRET,
    idleTimeout: IDLE,
    touchInterval: TOUCH,
    now: () => clock,
  });
  const results: RoundTrips[] = [];
  const request = async (
    scenario: string,
    description: string,
    cookie: string,
    work: (session: ReturnType<typeof manager.open>['session']) => unknown,
  ): Promise<string | null> => {
    counted.reset();
    commands?.reset();
    // canSetCookie: the response carries cookies, as it does behind every adapter.
    const handle = manager.open({ cookie, secure: true, canSetCookie: true });
    await work(handle.session);
    const { setCookie } = await handle.commit({ status: 200 });
    const counts = counted.calls();
    results.push({
      scenario,
      description,
      total: Object.values(counts).reduce((sum, n) => sum + n, 0),
      counts,
      ...(commands ? { commands: commands.commands() } : {}),
    });
    return setCookie;
  };

  const setCookie = await request('new session, first write', 'no cookie; set a value', '', (session) => {
    session.set('n', 1);
  });
  if (setCookie === null) throw new Error('round trips: the first write set no cookie');
  const cookie = setCookie.split(';', 1)[0]!;

  clock += 1000;
  await request('untouched', 'valid cookie; the handler never reads the session', cookie, () => undefined);
  clock += 1000;
  await request('read', 'valid cookie; read a value', cookie, async (session) => {
    if ((await session.get('n')) !== 1) throw new Error('round trips: the read did not find the session');
  });
  clock += 1000;
  await request('write, existing session', 'valid cookie; increment a value', cookie, (session) =>
    session.update('n', (n) => Number(n ?? 0) + 1),
  );
  clock += (TOUCH + 1) * 1000;
  await request(
    'read, touch interval passed',
    `valid cookie; read a value ${TOUCH + 1} s after the last write (touch interval ${TOUCH} s)`,
    cookie,
    (session) => session.get('n'),
  );
  await manager.close();
  return results;
}

/**
 * The same requests on the Redis store (a real server at `url`, keys under `prefix`, deleted after),
 * with the commands the client sent for each. The store runs on Redis's own clock for TTLs; core's
 * clock is injected, so only the times core decides on (touch due) are simulated.
 */
export async function measureRedisRoundTrips(url: string, prefix: string): Promise<RoundTrips[]> {
  const { Redis } = await import('ioredis');
  const { redisStore } = await import('@cloakroom/session-redis');
  const { deleteByPrefix } = await import('./micro.ts');
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  let sent: Record<string, number> = {};
  const send = client.sendCommand.bind(client);
  // Our own client instance: count each command on its way out, then send it unchanged.
  client.sendCommand = ((command: { name: string }, ...rest: unknown[]) => {
    sent[command.name] = (sent[command.name] ?? 0) + 1;
    return (send as (...a: unknown[]) => unknown)(command, ...rest);
  }) as typeof client.sendCommand;
  try {
    // Scripts are loaded on first use: run one request kind first so EVALSHA, not SCRIPT LOAD, is counted.
    await measureRoundTrips(() => redisStore({ client, prefix: `${prefix}warm:` }));
    return await measureRoundTrips(() => redisStore({ client, prefix }), {
      commands: () => ({ ...sent }),
      reset: () => {
        sent = {};
      },
    });
  } finally {
    await deleteByPrefix(client, prefix);
    await client.quit();
  }
}
