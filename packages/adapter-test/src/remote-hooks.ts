// The suite's clock, store-call and store hooks across a process boundary: a test-only build of a
// scenario app serves the control routes (controlRoutes), and the suite drives them over HTTP
// (remoteHooks). Web-standard APIs only, so the control routes bundle into an app for Bun, Deno or
// workerd. Never put these routes in an app that is deployed: they let any client move the clock and
// write the store.
import type { AnySessionStore, SessionWrite, StoredSession } from '@cloakroom/session-core';
import type { CountingStore, StoreCallCounts } from './counting-store.ts';
import type { ScenarioClock, ScenarioHooks } from './scenarios.ts';

/** What the control routes reach into: the app's clock and the counting store its manager uses. */
export interface ControlledApp {
  /**
   * The store the app's session manager uses, wrapped to count calls; none for an app that keeps no
   * store (sealed cookies): the store routes then answer 404.
   */
  readonly store?: CountingStore | undefined;
  /** Sets the clock the app's manager (and memory store) read, epoch milliseconds. */
  readonly setNow: (now: number) => void;
}

/** The store methods the control routes pass through: the required ones, all a minting manager uses. */
const STORE_METHODS = ['get', 'create', 'set', 'touch', 'delete'] as const;
type RemoteStoreMethod = (typeof STORE_METHODS)[number];

function isStoreMethod(name: string): name is RemoteStoreMethod {
  return (STORE_METHODS as readonly string[]).includes(name);
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body ?? null), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  });
}

async function callStore(store: CountingStore, method: RemoteStoreMethod, args: unknown[]): Promise<unknown> {
  const [key, second] = args as [string, unknown];
  switch (method) {
    case 'get':
      return store.get(key);
    case 'create':
      return store.create(key, second as SessionWrite);
    case 'set':
      return store.set(key, second as SessionWrite);
    case 'touch':
      return store.touch(key, second as number);
    case 'delete':
      return store.delete(key);
  }
}

/**
 * The control routes' handler, for a test-only build of a scenario app: mount it under a path prefix
 * (e.g. `/__control`) outside the session middleware and hand it the request with that prefix removed.
 *
 * - `PUT /clock` `{"now": ms}`: sets the app's clock;
 * - `GET /store-calls`: the store calls per method since the last reset; `POST /store-calls/reset`
 *   (these and the store routes only with a `store`);
 * - `POST /store/<get|create|set|touch|delete>` `{"args": [...]}`: calls the app's store, answers
 *   `{"result": ...}` (or 500 `{"error": message}` when the store rejects);
 * - `GET /runtime`: `navigator.userAgent`, so a test can tell where the app really runs.
 *
 * Anything else answers 404.
 * @example
 * const control = controlRoutes({ store, setNow: (ms) => { current = ms; } });
 * app.all('/__control/*', (c) => control(c.req.method, c.req.path.slice('/__control'.length), c.req.raw));
 */
export function controlRoutes(
  app: ControlledApp,
): (method: string, path: string, request: Request) => Promise<Response> {
  return async (method, path, request) => {
    if (method === 'PUT' && path === '/clock') {
      const { now } = (await request.json()) as { now: unknown };
      if (typeof now !== 'number' || !Number.isFinite(now)) return json({ error: 'now: a number' }, 400);
      app.setNow(now);
      return json({ now });
    }
    const { store } = app;
    if (method === 'GET' && path === '/store-calls' && store) return json(store.calls());
    if (method === 'POST' && path === '/store-calls/reset' && store) {
      store.resetCalls();
      return json({ ok: true });
    }
    if (method === 'GET' && path === '/runtime') {
      return json({ userAgent: globalThis.navigator?.userAgent ?? 'unknown' });
    }
    const name = path.startsWith('/store/') ? path.slice('/store/'.length) : '';
    if (method === 'POST' && isStoreMethod(name) && store) {
      const { args } = (await request.json()) as { args: unknown[] };
      try {
        return json({ result: await callStore(store, name, args) });
      } catch (error) {
        return json({ error: (error as Error).message }, 500);
      }
    }
    return json({ error: 'Not Found' }, 404);
  };
}

/** The hooks {@link remoteHooks} drives over HTTP. */
export type RemoteHooks = {
  readonly [K in 'clock' | 'storeCalls' | 'resetStoreCalls' | 'store']-?: NonNullable<ScenarioHooks[K]>;
};

/**
 * The suite's `clock`, `storeCalls` and `store` hooks for an app in another process that serves
 * {@link controlRoutes} at `controlUrl`. The clock is held here and pushed to the app on every move
 * (`now()` must answer synchronously); it starts at `start`, which is sent before this resolves. The
 * store is a plain store (the required methods) whose every call is a control request: the suite only
 * mints cookies through it, as an older deploy sharing the store would.
 * @throws Error when a control request fails (the app is not a test build, or it is down)
 * @example
 * const hooks = await remoteHooks(`${baseUrl}/__control`);
 * describeAdapterScenarios('my app on Deno', { ..., setup: async () => ({ baseUrl, hooks }) });
 */
export async function remoteHooks(controlUrl: string, start: number = Date.now()): Promise<RemoteHooks> {
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${controlUrl}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(`control ${method} ${controlUrl}${path} answered ${response.status}: ${text}`);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new Error(`control ${method} ${controlUrl}${path} answered no JSON: ${text.slice(0, 200)}`);
    }
  };
  let current = start;
  const set = (await call('PUT', '/clock', { now: current })) as { now?: unknown } | null;
  if (set?.now !== current) {
    throw new Error(`${controlUrl} serves no control routes: PUT /clock answered ${JSON.stringify(set)}`);
  }
  const clock: ScenarioClock = {
    now: () => current,
    advance: async (ms) => {
      if (!Number.isFinite(ms) || ms < 0)
        throw new RangeError(`advance() takes a non-negative number, got ${ms}`);
      current += ms;
      await call('PUT', '/clock', { now: current });
    },
  };
  const store = async (method: RemoteStoreMethod, ...args: unknown[]): Promise<unknown> =>
    ((await call('POST', `/store/${method}`, { args })) as { result: unknown }).result;
  const remoteStore: AnySessionStore = {
    get: async (key) => (await store('get', key)) as StoredSession | null,
    create: async (key, write) => (await store('create', key, write)) as string | null,
    set: async (key, write) => (await store('set', key, write)) as string,
    touch: async (key, expiresAt) => (await store('touch', key, expiresAt)) as boolean,
    delete: async (key) => {
      await store('delete', key);
    },
  };
  return {
    clock,
    storeCalls: async () => (await call('GET', '/store-calls')) as StoreCallCounts,
    resetStoreCalls: async () => {
      await call('POST', '/store-calls/reset');
    },
    store: remoteStore,
  };
}
