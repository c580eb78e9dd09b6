// The targets every adapter runs the scenario suite on: the memory store, a shared Redis server, and a
// private redis-server that goes down. Store packages stay out of the kit: a Redis target is handed a
// factory that builds the store (and its client) for a URL.
import { randomUUID } from 'node:crypto';
import {
  type AnySessionStore,
  memoryStore,
  type SessionManagerOptions,
  sealedCookies,
} from '@cloakroom/session-core';
import { type ManualClock, manualClock } from './clock.ts';
import { type CountingStore, countingStore } from './counting-store.ts';
import { type ScenarioOptions, scenarioManagerOptions, scenarioOptions } from './options.ts';
import { probe } from './private-server.ts';
import { startRedisServer } from './redis-server.ts';
import {
  describeAdapterScenarios,
  type ScenarioCapabilities,
  type ScenarioSuite,
  type ScenarioTarget,
  scenarioGroups,
  storeHooks,
} from './scenarios.ts';

/** One running instance of the scenario app. */
export interface AppInstance {
  /** Where it listens, e.g. `http://127.0.0.1:40123`. */
  readonly baseUrl: string;
  close(): Promise<void>;
}

/**
 * Starts one instance of the adapter's scenario app (the routes in the README) with these core manager
 * options, on an ephemeral loopback port. Each call is a new instance with its own session manager.
 */
export type StartApp = (options: SessionManagerOptions) => Promise<AppInstance>;

/** What a {@link StoreFactory} is handed. */
export interface StoreFactoryInput {
  /** The server, e.g. `redis://127.0.0.1:6379`. */
  readonly url: string;
  /** A key prefix no other run uses: keep every key under it. */
  readonly prefix: string;
  /**
   * `true` for an outage target: the client must fail fast while the server is gone (no offline queue, no
   * retries per command, a short timeout) and reconnect quickly once it is back.
   */
  readonly failFast: boolean;
}

/** A store a {@link StoreFactory} built, and how to let go of it. */
export interface FactoryStore {
  readonly store: AnySessionStore;
  /**
   * Resolves once the store's client is connected and answers (after its server came back, say).
   * @throws Error when the client was closed for good
   */
  ready(): Promise<void>;
  /** Deletes the keys under the prefix (where the server is shared) and closes the client it opened. */
  close(): Promise<void>;
}

/**
 * Builds a store over a server at a URL: how a test hands a Redis store to the kit without the kit
 * depending on any store package. Called once per app instance (two instances: two clients, as two
 * processes would have).
 * @example
 * const redis: StoreFactory = async ({ url, prefix, failFast }) => {
 *   const client = new Redis(url, failFast ? { maxRetriesPerRequest: 0, enableOfflineQueue: false } : {});
 *   const ready = async () => { if (client.status !== 'ready') await once(client, 'ready'); };
 *   return { store: redisStore({ client, prefix }), ready, close: async () => client.disconnect() };
 * };
 */
export type StoreFactory = (input: StoreFactoryInput) => Promise<FactoryStore>;

/** Options of the target helpers. */
export interface TargetOptions {
  /** The options the app is built with. @default scenarioOptions */
  readonly options?: ScenarioOptions | undefined;
}

const quiet = (): undefined => undefined;
const everyHook = { clock: true, storeCalls: true, store: true, storeControl: false, peer: true } as const;
const allButOutage = scenarioGroups.filter((group) => group !== 'outage');

/** Two instances of the app, each with its own manager, over `store` and `peerStore` (the same data). */
async function withPeer(
  start: StartApp,
  options: ScenarioOptions,
  clock: ManualClock,
  store: CountingStore,
  peerStore: AnySessionStore,
  release: () => Promise<unknown> = async () => undefined,
): Promise<ScenarioTarget> {
  const [server, peer] = await Promise.all([
    start(scenarioManagerOptions({ store, now: clock.now }, options)),
    start(scenarioManagerOptions({ store: peerStore, now: clock.now }, options)),
  ]);
  return {
    baseUrl: server.baseUrl,
    hooks: { clock, ...storeHooks(store), peerBaseUrl: peer.baseUrl },
    close: async () => {
      await Promise.all([server.close(), peer.close()]);
      await release();
    },
  };
}

/**
 * The memory store target: two instances of the app (a peer) over one memory store and one manual
 * clock, every scenario group but `outage` (a memory store cannot go down).
 * @example
 * describeAdapterScenarios('koa 3 · memory store', memoryTarget(start));
 */
export function memoryTarget(start: StartApp, target: TargetOptions = {}): ScenarioSuite {
  const options = target.options ?? scenarioOptions;
  return {
    options,
    capabilities: everyHook,
    groups: allButOutage,
    setup() {
      const clock = manualClock();
      const store = countingStore(memoryStore({ now: clock.now, warn: false, sweepInterval: 0 }));
      return withPeer(start, options, clock, store, store);
    },
  };
}

/**
 * The sealed-cookie target: two instances of the app (a peer) with sessions sealed into the cookie
 * (`store: sealedCookies({ revocation })`), sharing one memory revocation store and one manual clock, so
 * destroy, regenerate and sign-out hold as with a store. Every group is registered; what cannot run is
 * declared not run with its reason: scenarios that count store calls or stop the store (there is none),
 * and those that need server-side state (a stale cookie seeing a later write, read-once flash,
 * concurrent writes merging, atomic increments: capability `serverState` false).
 * @example
 * describeAdapterScenarios('koa 3 · sealed cookies', sealedTarget(start));
 */
export function sealedTarget(start: StartApp, target: TargetOptions = {}): ScenarioSuite {
  const options = target.options ?? scenarioOptions;
  return {
    options,
    capabilities: {
      clock: true,
      storeCalls: false,
      store: true,
      storeControl: false,
      peer: true,
      serverState: false,
    },
    groups: scenarioGroups,
    async setup() {
      const clock = manualClock();
      const revocation = memoryStore({ now: clock.now, warn: false, sweepInterval: 0 });
      // One mode object for both instances: as two processes configured alike, over one revocation store.
      const store = sealedCookies({ revocation });
      const [server, peer] = await Promise.all([
        start(scenarioManagerOptions({ store, now: clock.now }, options)),
        start(scenarioManagerOptions({ store, now: clock.now }, options)),
      ]);
      return {
        baseUrl: server.baseUrl,
        hooks: { clock, store, peerBaseUrl: peer.baseUrl },
        close: async () => {
          await Promise.all([server.close(), peer.close()]);
        },
      };
    },
  };
}

/** The machine's Redis: `REDIS_URL`, else `redis://127.0.0.1:6379`. */
export function redisUrl(): string {
  return process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** Fails with a message naming the server and `REDIS_URL` when nothing answers PING at `url`. */
async function requireRedis(url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  const answers = ['127.0.0.1', 'localhost', '[::1]'].includes(hostname)
    ? await probe(Number(port || 6379), 'PING\r\n', (line) => line === '+PONG' || line.startsWith('-NOAUTH'))
    : true; // a remote server is the factory's to reach (and to report)
  if (!answers) throw new Error(`Redis at ${url} is unreachable: start it or point REDIS_URL at one.`);
}

/**
 * The shared Redis target: two instances of the app over the machine's Redis (`REDIS_URL`), each with its
 * own store and client from `factory` under one fresh prefix, every group but `outage`. The factory's
 * `close` removes the keys.
 * @throws Error at setup naming `REDIS_URL` when Redis does not answer there
 */
export function redisTarget(
  start: StartApp,
  factory: StoreFactory,
  target: TargetOptions = {},
): ScenarioSuite {
  const options = target.options ?? scenarioOptions;
  return {
    options,
    capabilities: everyHook,
    groups: allButOutage,
    async setup() {
      const url = redisUrl();
      await requireRedis(url);
      const prefix = `cloakroom-scenarios:${randomUUID()}:`;
      const [mine, theirs] = await Promise.all([
        factory({ url, prefix, failFast: false }),
        factory({ url, prefix, failFast: false }),
      ]);
      const release = () => Promise.all([mine.close(), theirs.close()]);
      return withPeer(start, options, manualClock(), countingStore(mine.store), theirs.store, release);
    },
  };
}

/**
 * The outage target: the app over a store from `factory` on a private redis-server
 * ({@link startRedisServer}) that the `outage` scenarios stop and start again; only that group.
 * Store errors go to a quiet `onError` (the scenarios assert the answers, not the log).
 */
export function outageTarget(
  start: StartApp,
  factory: StoreFactory,
  target: TargetOptions = {},
): ScenarioSuite {
  const options = target.options ?? scenarioOptions;
  const capabilities: ScenarioCapabilities = { ...everyHook, storeControl: true, peer: false };
  return {
    options,
    capabilities,
    groups: ['outage'],
    async setup() {
      const redis = await startRedisServer();
      const made = await factory({ url: redis.url, prefix: 'cloakroom-scenarios:', failFast: true });
      const clock = manualClock();
      const store = countingStore(made.store);
      const server = await start(scenarioManagerOptions({ store, now: clock.now, onError: quiet }, options));
      return {
        baseUrl: server.baseUrl,
        hooks: { clock, ...storeHooks(store), storeDown: () => redis.stop(), storeUp: () => redis.start() },
        close: async () => {
          await server.close();
          await made.close();
          await redis.close();
        },
      };
    },
  };
}

/** Options of {@link describeAdapterTargets}. */
export interface AdapterTargets extends TargetOptions {
  /** Starts one instance of the scenario app. */
  readonly start: StartApp;
  /**
   * Builds a Redis-backed store. With it, the suite also runs on the machine's Redis and, for `outage`,
   * on a private redis-server; without it, the `outage` scenarios are registered as not run.
   */
  readonly redis?: StoreFactory | undefined;
}

/**
 * Registers the whole scenario suite on every target: `<name> · memory store`, `<name> · sealed cookies`
 * (the same app with `store: sealedCookies()`, see {@link sealedTarget}), and with a `redis`
 * factory `<name> · Redis store (REDIS_URL)` and `<name> · Redis store on a private redis-server that goes
 * down`. Call it at the top level of a vitest test file.
 * @example
 * describeAdapterTargets('koa 3', {
 *   start: async (options) => listen(scenarioApp(options).callback()),
 *   redis: redisStoreFactory, // optional
 * });
 */
export function describeAdapterTargets(name: string, targets: AdapterTargets): void {
  const { start, redis } = targets;
  if (redis === undefined) {
    // Every group, so the outage scenarios show as "not run" rather than vanish.
    describeAdapterScenarios(`${name} · memory store`, {
      ...memoryTarget(start, targets),
      groups: scenarioGroups,
    });
    describeAdapterScenarios(`${name} · sealed cookies`, sealedTarget(start, targets));
    return;
  }
  describeAdapterScenarios(`${name} · memory store`, memoryTarget(start, targets));
  describeAdapterScenarios(`${name} · sealed cookies`, sealedTarget(start, targets));
  describeAdapterScenarios(`${name} · Redis store (REDIS_URL)`, redisTarget(start, redis, targets));
  describeAdapterScenarios(
    `${name} · Redis store on a private redis-server that goes down`,
    outageTarget(start, redis, targets),
  );
}
