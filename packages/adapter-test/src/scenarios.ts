import { type AnySessionStore, createSessionManager, memoryStore } from '@cloakroom/session-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Observed, type ParsedSetCookie, ScenarioClient } from './client.ts';
import type { CountingStore, StoreCallCounts } from './counting-store.ts';
import { type GateServer, startGateServer } from './gate.ts';
import { type ScenarioOptions, scenarioManagerOptions } from './options.ts';

/** The clock hook: the app's manager (and memory store) read `now`; the suite moves it. */
export interface ScenarioClock {
  /** The app's current time, epoch milliseconds. */
  readonly now: () => number;
  /** Moves the app's clock forward by `ms`. */
  readonly advance: (ms: number) => void | Promise<void>;
}

/**
 * Hooks into the app under test. Each is optional: a target declares which it has in
 * {@link ScenarioSuite.capabilities}, and scenarios needing a missing one are declared "not run".
 */
export interface ScenarioHooks {
  /** Capability `clock`. */
  readonly clock?: ScenarioClock | undefined;
  /** Capability `storeCalls`: store calls per method since the last reset (see {@link countingStore}). */
  readonly storeCalls?: (() => StoreCallCounts | Promise<StoreCallCounts>) | undefined;
  /** Capability `storeCalls`. */
  readonly resetStoreCalls?: (() => void | Promise<void>) | undefined;
  /**
   * Capability `store`: the very store the app uses. The suite writes through it only to mint a
   * cookie signed with a retired secret (with its own core manager, as an older deploy would have).
   */
  readonly store?: AnySessionStore | undefined;
  /** Capability `storeControl`: makes the store unreachable (e.g. stops a private redis-server). */
  readonly storeDown?: (() => Promise<void>) | undefined;
  /** Capability `storeControl`: brings the store back. */
  readonly storeUp?: (() => Promise<void>) | undefined;
  /**
   * Capability `peer`: the base URL of a second instance of the same app, with its own session manager,
   * over the same store (as another process behind the load balancer would be), sharing the clock.
   */
  readonly peerBaseUrl?: string | undefined;
}

/** A running scenario app. */
export interface ScenarioTarget {
  /** Where the app listens, e.g. `http://127.0.0.1:40123`. */
  readonly baseUrl: string;
  /** Hooks, as declared in {@link ScenarioSuite.capabilities}. */
  readonly hooks: ScenarioHooks;
  /** Stops the app (and what setup started). Called once after the scenarios. */
  readonly close?: (() => Promise<void>) | undefined;
}

/**
 * What the suite can do beyond plain HTTP. `serverState` is not a hook but what the app's sessions
 * keep: sessions held on the server, so a cookie a client reuses after a later write sees that write
 * (false for sealed cookies, see core's `sealedCookies()`).
 */
export type ScenarioCapability = 'clock' | 'storeCalls' | 'store' | 'storeControl' | 'peer' | 'serverState';

/** Scenario groups, in the order they run. */
export type ScenarioGroup =
  | 'basics'
  | 'cookies'
  | 'lifecycle'
  | 'expiry'
  | 'concurrency'
  | 'rotation'
  | 'csrf'
  | 'responses'
  | 'outage';

/** Every group, in run order. */
export const scenarioGroups: readonly ScenarioGroup[] = [
  'basics',
  'cookies',
  'lifecycle',
  'expiry',
  'concurrency',
  'rotation',
  'csrf',
  'responses',
  'outage',
];

/**
 * Which hooks a target provides. `peer` came later and is optional (absent means false); so is
 * `serverState` (absent means true: every store keeps sessions on the server).
 */
export type ScenarioCapabilities = Readonly<
  Record<Exclude<ScenarioCapability, 'peer' | 'serverState'>, boolean>
> & {
  readonly peer?: boolean | undefined;
  readonly serverState?: boolean | undefined;
};

/** One registration of the suite against one app. */
export interface ScenarioSuite {
  /** The options the app's session middleware was built with (usually {@link scenarioOptions}). */
  readonly options: ScenarioOptions;
  /**
   * Which hooks the target provides. Declared up front so a scenario that needs a missing hook is
   * registered under a title saying it was not run (and reported as skipped with that note), never
   * silently left out. A declared hook that setup does not provide fails the run.
   */
  readonly capabilities: ScenarioCapabilities;
  /** Starts the app (on an ephemeral port) and returns where it listens and its hooks. */
  readonly setup: () => Promise<ScenarioTarget>;
  /** The groups to register. Groups left out are not registered at all (the caller chose). @default every group */
  readonly groups?: readonly ScenarioGroup[] | undefined;
}

interface Context {
  readonly client: ScenarioClient;
  /** The second instance (capability `peer`), else the same client. */
  readonly peer: ScenarioClient;
  readonly options: ScenarioOptions;
  readonly hooks: ScenarioHooks;
  /** Gates for routes that take a `gate` URL (see gate.ts). */
  readonly gates: GateServer;
}

interface Scenario {
  readonly group: ScenarioGroup;
  readonly title: string;
  readonly needs: readonly ScenarioCapability[];
  readonly run: (context: Context) => Promise<void>;
}

const GROUP_TITLES: Record<ScenarioGroup, string> = {
  basics: 'lazy sessions and the session cookie',
  cookies: 'cookies the server did not issue',
  lifecycle: 'session.regenerate(), session.destroy(), flash and sign-in',
  expiry: 'idle, absolute and sliding expiry',
  concurrency: 'concurrent requests',
  rotation: 'secret rotation',
  csrf: 'CSRF protection',
  responses: 'commit before the response ends',
  outage: 'store outage',
};

const HOOKS_OF: Record<ScenarioCapability, readonly (keyof ScenarioHooks)[]> = {
  clock: ['clock'],
  storeCalls: ['storeCalls', 'resetStoreCalls'],
  store: ['store'],
  storeControl: ['storeDown', 'storeUp'],
  peer: ['peerBaseUrl'],
  serverState: [],
};

/** Whether a suite declared `capability` (`serverState` unless declared false). */
function declares(capabilities: ScenarioCapabilities, capability: ScenarioCapability): boolean {
  return capability === 'serverState'
    ? capabilities.serverState !== false
    : capabilities[capability] === true;
}

/** Why a scenario is not run, for its title. */
function notRunNote(missing: readonly ScenarioCapability[]): string {
  const hooks = missing.filter((need) => need !== 'serverState');
  const reasons = [
    ...(missing.includes('serverState')
      ? ['its sessions live in sealed cookies, with no server-side state to share between cookies']
      : []),
    ...(hooks.length > 0 ? [`the target has no ${hooks.join(', ')} hook`] : []),
  ];
  return `not run: ${reasons.join('; ')}`;
}

// ---- helpers -------------------------------------------------------------------------------------

function sessionCookie(response: Observed, name: string): ParsedSetCookie | undefined {
  const ours = response.setCookies.filter((cookie) => cookie.name === name);
  expect(
    ours.length,
    `at most one Set-Cookie for ${name}: ${ours.map((c) => c.raw).join(' | ')}`,
  ).toBeLessThanOrEqual(1);
  return ours[0];
}

function issuedCookie(response: Observed, name: string): string {
  const cookie = sessionCookie(response, name);
  expect(
    cookie,
    `a Set-Cookie for ${name} (status ${response.status}, body ${response.body.slice(0, 200)})`,
  ).toBeDefined();
  expect(cookie!.value).not.toBe('');
  return cookie!.value;
}

/** The version prefix of a sealed cookie's value (core's sealed.ts). */
const SEALED_VALUE = /^c1\./;

/**
 * The session id a cookie value carries: `<id>.<signature>` for a store's signed cookie. A sealed cookie
 * shows no id (it is encrypted, and sealed afresh on every write): the whole value stands for it, so two
 * sealed values are never "the same id", and a check that a session kept its id applies to stores only.
 */
function idOf(cookieValue: string): string {
  return SEALED_VALUE.test(cookieValue) ? cookieValue : (cookieValue.split('.')[0] ?? '');
}

/** The cookie a browser would send next: the one `response` set, else the one it had. */
function follow(response: Observed, name: string, cookie: string): string {
  const set = response.setCookies.find((item) => item.name === name);
  return set === undefined || set.value === '' ? cookie : set.value;
}

function headerTokens(response: Observed, name: string): string[] {
  return (response.headers.get(name) ?? '')
    .split(',')
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token !== '');
}

async function value(context: Context, key: string, cookie: string | null | undefined): Promise<unknown> {
  const response = await context.client.get(`/get?key=${encodeURIComponent(key)}`, { cookie });
  expect(response.status, response.body).toBe(200);
  return response.json<{ value: unknown }>().value;
}

async function start(context: Context, data: Record<string, unknown>): Promise<string> {
  const response = await context.client.post('/set', { json: data });
  expect(response.status, response.body).toBe(200);
  return issuedCookie(response, context.options.cookie.name);
}

/** The `value`s that `/increment` responses answered, in ascending order. */
function answers(responses: readonly Observed[]): number[] {
  return responses.map((response) => response.json<{ value: number }>().value).sort((a, b) => a - b);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}

async function calls(context: Context): Promise<StoreCallCounts> {
  return context.hooks.storeCalls!();
}

async function resetCalls(context: Context): Promise<void> {
  await context.hooks.resetStoreCalls!();
}

function total(counts: StoreCallCounts): number {
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}

async function advance(context: Context, seconds: number): Promise<void> {
  await context.hooks.clock!.advance(seconds * 1000);
}

/** A cookie signed by a manager with `secrets` over `store`, holding `data`. */
async function mintCookie(
  context: Context,
  store: AnySessionStore,
  secrets: readonly [string, ...string[]],
  data: Record<string, unknown>,
): Promise<string> {
  const manager = createSessionManager(
    scenarioManagerOptions(
      { store, now: context.hooks.clock?.now, onError: () => undefined },
      { ...context.options, secrets },
    ),
  );
  const handle = manager.open({ cookie: null, secure: true });
  for (const [key, item] of Object.entries(data)) handle.session.set(key, item);
  const { setCookie } = await handle.commit();
  expect(setCookie).not.toBeNull();
  const value = setCookie!.split(';')[0]!;
  return value.slice(value.indexOf('=') + 1);
}

function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

const STACK_TRACE =
  /\n\s+at\s|\bat\s+\S+\s+\(|node_modules|\.(?:ts|js|mjs):\d+|ECONNREFUSED|SessionStoreError/;

function expectNoLeak(response: Observed): void {
  expect(response.body, 'the error body carries no stack trace or internals').not.toMatch(STACK_TRACE);
}

// ---- scenarios -----------------------------------------------------------------------------------

const scenarios: Scenario[] = [
  // basics
  {
    group: 'basics',
    title: 'a request that never touches the session sets no cookie',
    needs: [],
    async run(context) {
      const response = await context.client.get('/none');
      expect(response.status).toBe(200);
      expect(response.setCookies).toEqual([]);
    },
  },
  {
    group: 'basics',
    title: 'requests without a cookie that do not write make no store call and set no cookie',
    needs: ['storeCalls'],
    async run(context) {
      await resetCalls(context);
      const responses = await Promise.all([
        context.client.get('/none'),
        ...Array.from({ length: 20 }, (_, index) => context.client.get(`/get?key=k${index}`)),
        context.client.get('/flash'),
        context.client.get('/user'),
      ]);
      for (const response of responses) {
        expect(response.status).toBe(200);
        expect(response.setCookies).toEqual([]);
      }
      expect(await calls(context)).toSatisfy((counts: StoreCallCounts) => total(counts) === 0);
    },
  },
  {
    group: 'basics',
    title: 'a write sets the cookie with the configured attributes, Vary: Cookie and Cache-Control: no-store',
    needs: [],
    async run(context) {
      const { cookie } = context.options;
      const response = await context.client.post('/set', { json: { greeting: 'hello' } });
      expect(response.status).toBe(200);
      const set = sessionCookie(response, cookie.name);
      expect(set, 'a Set-Cookie for the session').toBeDefined();
      const attributes = set!.attributes;
      expect(set!.value).toMatch(/^(?:[A-Za-z0-9_-]{43}|c1)\.[A-Za-z0-9_-]+$/);
      expect(attributes.get('path')).toBe(cookie.path);
      expect(attributes.get('domain')).toBe(cookie.domain);
      expect(attributes.has('httponly')).toBe(cookie.httpOnly);
      expect(attributes.has('secure')).toBe(cookie.secure);
      expect(String(attributes.get('samesite')).toLowerCase()).toBe(cookie.sameSite);
      expect(Number(attributes.get('max-age'))).toBe(
        Math.min(context.options.idleTimeout, context.options.absoluteTimeout),
      );
      expect(headerTokens(response, 'vary')).toContain('cookie');
      expect(headerTokens(response, 'cache-control')).toContain('no-store');
      expect(headerTokens(response, 'cache-control')).toContain('private');
    },
  },
  {
    group: 'basics',
    title: 'the next request reads the write back, and a later write keeps the same session',
    needs: ['serverState'],
    async run(context) {
      const data = { text: 'héllo ✓', count: 3, flag: true, nested: { list: [1, 'two', null] } };
      const cookie = await start(context, data);
      for (const [key, expected] of Object.entries(data))
        expect(await value(context, key, cookie)).toEqual(expected);
      const again = await context.client.post('/set', { cookie, json: { more: 'yes' } });
      expect(again.status).toBe(200);
      const reissued = sessionCookie(again, context.options.cookie.name);
      if (reissued !== undefined) expect(idOf(reissued.value)).toBe(idOf(cookie));
      expect(await value(context, 'more', cookie)).toBe('yes');
      expect(await value(context, 'text', cookie)).toBe(data.text);
      const read = await context.client.get('/get?key=text', { cookie });
      expect(headerTokens(read, 'vary')).toContain('cookie');
    },
  },

  // cookies
  {
    group: 'cookies',
    title: 'forged, unsigned, truncated, padded, tampered and wrong-secret cookies mean no session',
    needs: [],
    async run(context) {
      for (const [label, cookie] of await badCookies(context)) {
        const response = await context.client.get('/get?key=secret', { cookie });
        expect(response.status, label).toBe(200);
        expect(response.json<{ value: unknown }>().value, label).toBeNull();
        expect(response.setCookies, label).toEqual([]);
      }
    },
  },
  {
    group: 'cookies',
    title: 'cookies that fail verification never reach the store',
    needs: ['storeCalls'],
    async run(context) {
      const bad = await badCookies(context);
      await resetCalls(context);
      for (const [, cookie] of bad) await context.client.get('/get?key=secret', { cookie });
      expect(await calls(context)).toEqual(
        expect.objectContaining({ get: 0, create: 0, set: 0, touch: 0, delete: 0 }),
      );
      expect(total(await calls(context))).toBe(0);
    },
  },
  {
    group: 'cookies',
    title:
      'a valid session id is taken only from the cookie: in the URL, a header or the body it means no session and no lookup',
    needs: ['storeCalls'],
    async run(context) {
      const value = await start(context, { secret: 'real' });
      const name = context.options.cookie.name;
      const encoded = encodeURIComponent(value);
      await resetCalls(context);
      const attempts: Array<[string, Promise<Observed>]> = [
        [
          'query',
          context.client.get(`/get?key=secret&${encodeURIComponent(name)}=${encoded}&sid=${encoded}`),
        ],
        ['X-Session-Id', context.client.get('/get?key=secret', { headers: { 'x-session-id': value } })],
        [
          'Authorization',
          context.client.get('/get?key=secret', { headers: { authorization: `Bearer ${value}` } }),
        ],
        [
          'a Cookie2 header',
          context.client.get('/get?key=secret', { headers: { cookie2: `${name}=${value}` } }),
        ],
      ];
      for (const [label, pending] of attempts) {
        const response = await pending;
        expect(response.status, label).toBe(200);
        expect(response.json<{ value: unknown }>().value, label).toBeNull();
        expect(response.setCookies, label).toEqual([]);
      }
      // In a body: the write starts a new session under a fresh id, never the one in the body.
      const body = await context.client.post('/set', { json: { [name]: value, sid: value, session: value } });
      expect(body.status).toBe(200);
      expect(idOf(issuedCookie(body, name))).not.toBe(idOf(value));
      expect((await calls(context)).get, 'no lookup of an id that did not come in the cookie').toBe(0);
    },
  },
  {
    group: 'cookies',
    title: 'a write under a cookie the server did not issue starts a new session with a fresh id',
    needs: [],
    async run(context) {
      const name = context.options.cookie.name;
      for (const [label, cookie] of await badCookies(context)) {
        const response = await context.client.post('/set', { cookie, json: { fresh: label } });
        expect(response.status, label).toBe(200);
        const issued = issuedCookie(response, name);
        expect(idOf(issued), label).not.toBe(idOf(cookie));
        expect(await value(context, 'fresh', issued), label).toBe(label);
        expect(await value(context, 'secret', issued), label).toBeUndefined();
      }
    },
  },

  {
    group: 'cookies',
    title: 'two session cookies that verify to different ids (cookie tossing) mean no session',
    needs: [],
    async run(context) {
      const name = context.options.cookie.name;
      const mine = await start(context, { owner: 'me' });
      const tossed = await start(context, { owner: 'attacker' });
      for (const rawCookie of [
        `${name}=${mine}; ${name}=${tossed}`,
        `${name}=${tossed}; other=1; ${name}=${mine}`,
      ]) {
        const response = await context.client.get('/get?key=owner', { rawCookie });
        expect(response.json<{ value: unknown }>().value, rawCookie).toBeNull();
        expect(response.setCookies).toEqual([]);
      }
      const write = await context.client.post('/set', {
        rawCookie: `${name}=${mine}; ${name}=${tossed}`,
        json: { x: 1 },
      });
      const issued = issuedCookie(write, name);
      expect([idOf(mine), idOf(tossed)]).not.toContain(idOf(issued));
      expect(await value(context, 'owner', mine), 'neither session was touched').toBe('me');
      expect(await value(context, 'owner', tossed)).toBe('attacker');
    },
  },
  {
    group: 'cookies',
    title: 'a duplicate that fails verification does not hide the real cookie; names are never URL-decoded',
    needs: [],
    async run(context) {
      const name = context.options.cookie.name;
      const mine = await start(context, { owner: 'me' });
      const forged = `${idOf(mine)}.${'A'.repeat(43)}`;
      const both = await context.client.get('/get?key=owner', {
        rawCookie: `${name}=${forged}; ${name}=${mine}`,
      });
      expect(both.json<{ value: unknown }>().value).toBe('me');
      const encodedName = `%${name.charCodeAt(0).toString(16).toUpperCase()}${name.slice(1)}`;
      const encoded = await context.client.get('/get?key=owner', { rawCookie: `${encodedName}=${mine}` });
      expect(encoded.json<{ value: unknown }>().value, `${encodedName} is not ${name}`).toBeNull();
    },
  },

  // lifecycle
  {
    group: 'lifecycle',
    title: 'session.regenerate(): a new id, the same data, and the old cookie no longer works',
    needs: [],
    async run(context) {
      const old = await start(context, { keep: 'me' });
      const response = await context.client.post('/regenerate', { cookie: old });
      expect(response.status).toBe(200);
      const renewed = issuedCookie(response, context.options.cookie.name);
      expect(idOf(renewed)).not.toBe(idOf(old));
      expect(await value(context, 'keep', renewed)).toBe('me');
      expect(await value(context, 'keep', old)).toBeNull();
    },
  },
  {
    group: 'lifecycle',
    title: 'sign-in binds the user under a new id; the pre-login cookie is dead',
    needs: [],
    async run(context) {
      const before = await start(context, { cart: ['tea'] });
      const response = await context.client.post('/login', { cookie: before, json: { user: 'ada' } });
      expect(response.status).toBe(200);
      const after = issuedCookie(response, context.options.cookie.name);
      expect(idOf(after)).not.toBe(idOf(before));
      expect((await context.client.get('/user', { cookie: after })).json()).toEqual({ user: 'ada' });
      expect(await value(context, 'cart', after)).toEqual(['tea']);
      expect((await context.client.get('/user', { cookie: before })).json()).toEqual({ user: null });
    },
  },
  {
    group: 'lifecycle',
    title:
      'session.destroy(): the cookie is expired with the same name, domain and path; the old cookie is dead',
    needs: [],
    async run(context) {
      const { cookie: options } = context.options;
      const cookie = await start(context, { doomed: true });
      const response = await context.client.post('/destroy', { cookie });
      expect(response.status).toBe(200);
      const cleared = sessionCookie(response, options.name);
      expect(cleared, 'a Set-Cookie that expires the session cookie').toBeDefined();
      expect(cleared!.value).toBe('');
      const maxAge = cleared!.attributes.get('max-age');
      const expires = cleared!.attributes.get('expires');
      expect(
        maxAge === '0' || (typeof expires === 'string' && Date.parse(expires) <= Date.now()),
        `expired: ${cleared!.raw}`,
      ).toBe(true);
      expect(cleared!.attributes.get('path')).toBe(options.path);
      expect(cleared!.attributes.get('domain')).toBe(options.domain);
      expect(headerTokens(response, 'cache-control')).toContain('no-store');
      expect(await value(context, 'doomed', cookie)).toBeNull();
    },
  },
  {
    group: 'lifecycle',
    title: 'a flash message is read once',
    needs: ['serverState'],
    async run(context) {
      const first = await context.client.post('/flash', { json: { message: 'saved' } });
      expect(first.status).toBe(200);
      const cookie = issuedCookie(first, context.options.cookie.name);
      expect((await context.client.get('/flash', { cookie })).json()).toEqual({ messages: ['saved'] });
      expect((await context.client.get('/flash', { cookie })).json()).toEqual({ messages: [] });
    },
  },

  {
    group: 'lifecycle',
    title: 'regenerate and destroy delete the old record from the store',
    needs: ['storeCalls'],
    async run(context) {
      const cookie = await start(context, { k: 1 });
      await resetCalls(context);
      const renewed = issuedCookie(
        await context.client.post('/regenerate', { cookie }),
        context.options.cookie.name,
      );
      let counts = await calls(context);
      expect(counts.create, 'the new id is created insert-only').toBe(1);
      expect(counts.delete, 'the old record is deleted').toBe(1);
      await resetCalls(context);
      expect((await context.client.post('/destroy', { cookie: renewed })).status).toBe(200);
      counts = await calls(context);
      expect(counts.delete).toBe(1);
      expect(counts.create + counts.set + counts.compareAndSet).toBe(0);
    },
  },

  // expiry
  {
    group: 'expiry',
    title:
      'an expired session met on a read writes nothing and sets no cookie; a later write gets a fresh id',
    needs: ['clock', 'storeCalls'],
    async run(context) {
      const cookie = await start(context, { expiring: true });
      await advance(context, context.options.idleTimeout + 1);
      await resetCalls(context);
      const response = await context.client.get('/get?key=expiring', { cookie });
      expect(response.json<{ value: unknown }>().value).toBeNull();
      expect(response.setCookies).toEqual([]);
      // (The record is removed either by the store's own expiry or by a delete from core: both are fine.)
      const counts = await calls(context);
      expect(counts.create + counts.set + counts.compareAndSet + counts.touch).toBe(0);
      const write = await context.client.post('/set', { cookie, json: { expiring: false } });
      expect(idOf(issuedCookie(write, context.options.cookie.name))).not.toBe(idOf(cookie));
    },
  },
  {
    group: 'expiry',
    title: 'idle timeout: activity keeps the session alive; idleTimeout of silence ends it',
    needs: ['clock'],
    async run(context) {
      const { idleTimeout: idle, cookie: options } = context.options;
      // Like a browser, each request sends the cookie the last response set (a refreshed or re-sealed one).
      let cookie = await start(context, { idle: 'alive' });
      const read = async (): Promise<unknown> => {
        const response = await context.client.get('/get?key=idle', { cookie });
        expect(response.status, response.body).toBe(200);
        cookie = follow(response, options.name, cookie);
        return response.json<{ value: unknown }>().value;
      };
      await advance(context, idle - 1);
      expect(await read()).toBe('alive');
      await advance(context, idle - 1);
      expect(await read(), 'sliding: the read before moved the expiry').toBe('alive');
      await advance(context, idle + 1);
      expect(await read()).toBeNull();
    },
  },
  {
    group: 'expiry',
    title: 'absolute timeout: the session ends however active it is',
    needs: ['clock'],
    async run(context) {
      const { idleTimeout: idle, absoluteTimeout: absolute, cookie: options } = context.options;
      let cookie = await start(context, { absolute: 'alive' });
      const step = Math.max(1, Math.floor(idle * 0.9));
      let elapsed = 0;
      while (elapsed + step < absolute) {
        await advance(context, step);
        elapsed += step;
        const response = await context.client.get('/get?key=absolute', { cookie });
        expect(response.json<{ value: unknown }>().value, `alive after ${elapsed} s`).toBe('alive');
        const refreshed = sessionCookie(response, options.name);
        if (refreshed !== undefined) {
          expect(
            Number(refreshed.attributes.get('max-age')),
            'never beyond the absolute timeout',
          ).toBeLessThanOrEqual(absolute - elapsed);
        }
        cookie = follow(response, options.name, cookie);
      }
      await advance(context, absolute - elapsed + 1);
      expect(await value(context, 'absolute', cookie)).toBeNull();
    },
  },
  {
    group: 'expiry',
    title: 'sliding expiry touches the store and refreshes the cookie at most once per touchInterval',
    needs: ['clock', 'storeCalls'],
    async run(context) {
      const { touchInterval: interval, idleTimeout: idle, cookie: options } = context.options;
      const cookie = await start(context, { slide: 1 });
      await resetCalls(context);
      let reads = 0;
      const read = async (): Promise<ParsedSetCookie | undefined> => {
        const response = await context.client.get('/get?key=slide', { cookie });
        reads++;
        expect(response.json<{ value: unknown }>().value).toBe(1);
        return sessionCookie(response, options.name);
      };
      // Each read is one store call (get, or getAndTouch on a store that has it, which also moves a due
      // expiry); a store without getAndTouch pays one touch call more, only when a touch is due.
      const touches = async (expected: number): Promise<StoreCallCounts> => {
        const counts = await calls(context);
        expect(counts.get + counts.getAndTouch, 'one store read per request').toBe(reads);
        expect(counts.touch, 'touches').toBe(counts.getAndTouch > 0 ? 0 : expected);
        return counts;
      };
      expect(await read(), 'no refresh right after the write').toBeUndefined();
      await advance(context, interval / 2);
      expect(await read()).toBeUndefined();
      await touches(0);
      await advance(context, interval / 2 + 1);
      const refreshed = await read();
      expect(refreshed, 'the cookie is refreshed once the interval has passed').toBeDefined();
      expect(idOf(refreshed!.value)).toBe(idOf(cookie));
      expect(Number(refreshed!.attributes.get('max-age'))).toBe(idle);
      await touches(1);
      for (let i = 0; i < 5; i++) expect(await read()).toBeUndefined();
      await advance(context, interval - 2);
      expect(await read()).toBeUndefined();
      await touches(1);
      await advance(context, 3);
      expect(await read()).toBeDefined();
      const counts = await touches(2);
      expect(counts.set + counts.compareAndSet + counts.create, 'touches are not full writes').toBe(0);
    },
  },

  // concurrency
  {
    group: 'concurrency',
    title: 'concurrent requests changing different keys all survive',
    needs: ['serverState'],
    async run(context) {
      const cookie = await start(context, { base: 0 });
      const keys = Array.from({ length: 10 }, (_, index) => `key${index}`);
      const responses = await Promise.all(
        keys.map((key, index) => context.client.post('/set', { cookie, json: { [key]: index } })),
      );
      for (const response of responses) expect(response.status).toBe(200);
      for (const [index, key] of keys.entries()) expect(await value(context, key, cookie)).toBe(index);
      expect(await value(context, 'base', cookie)).toBe(0);
    },
  },
  {
    group: 'concurrency',
    title: '50 concurrent session.update() increments all count, each answering a distinct stored value',
    needs: ['serverState'],
    async run(context) {
      const cookie = await start(context, { counter: 0 });
      const responses = await Promise.all(
        Array.from({ length: 50 }, () => context.client.post('/increment?key=counter', { cookie })),
      );
      for (const response of responses) expect(response.status, response.body).toBe(200);
      expect(answers(responses), 'each answer is a value the store held, once').toEqual(range(1, 50));
      expect(await value(context, 'counter', cookie)).toBe(50);
    },
  },

  {
    group: 'concurrency',
    title: 'two instances over one store: concurrent requests changing different keys all survive',
    needs: ['peer', 'serverState'],
    async run(context) {
      const cookie = await start(context, { base: 'shared' });
      const keys = Array.from({ length: 10 }, (_, index) => `across${index}`);
      const responses = await Promise.all(
        keys.map((key, index) =>
          (index % 2 === 0 ? context.client : context.peer).post('/set', { cookie, json: { [key]: index } }),
        ),
      );
      for (const response of responses) expect(response.status, response.body).toBe(200);
      for (const [index, key] of keys.entries()) expect(await value(context, key, cookie)).toBe(index);
    },
  },
  {
    group: 'concurrency',
    title: 'two instances over one store: concurrent session.update() increments all count, answers distinct',
    needs: ['peer', 'serverState'],
    async run(context) {
      const cookie = await start(context, { shared: 0 });
      // Five per instance: each compare-and-set loss is another instance's win, so fewer than the retry bound.
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          (index % 2 === 0 ? context.client : context.peer).post('/increment?key=shared', { cookie }),
        ),
      );
      for (const response of responses) expect(response.status, response.body).toBe(200);
      expect(answers(responses), 'each answer is a value the store held, once').toEqual(range(1, 10));
      expect(await value(context, 'shared', cookie)).toBe(10);
    },
  },
  {
    group: 'concurrency',
    title: 'two instances over one store: a session destroyed on one is gone on the other',
    needs: ['peer'],
    async run(context) {
      const cookie = await start(context, { gone: 'soon' });
      expect((await context.peer.get('/get?key=gone', { cookie })).json()).toEqual({ value: 'soon' });
      expect((await context.peer.post('/destroy', { cookie })).status).toBe(200);
      expect(await value(context, 'gone', cookie)).toBeNull();
    },
  },
  {
    group: 'concurrency',
    title:
      'a regenerate in flight when another request destroys the session creates nothing: only the clearing cookie',
    needs: [],
    async run(context) {
      const cookie = await start(context, { stale: 'copy' });
      // Request B loads the session and waits at the gate; the sign-out lands (on the second instance
      // when there is one); then B regenerates from its stale copy.
      const gate = context.gates.open();
      const late = context.client.post(`/regenerate?gate=${encodeURIComponent(gate.url)}`, { cookie });
      await gate.reached;
      expect((await context.peer.post('/destroy', { cookie })).status).toBe(200);
      gate.release();
      const response = await late;
      expect(response.status, response.body).toBe(200);
      const issued = sessionCookie(response, context.options.cookie.name);
      expect(issued?.value ?? '', 'no new session cookie, at most the clearing one').toBe('');
      expect(await value(context, 'stale', cookie), 'the old id stays dead').toBeNull();
    },
  },

  // rotation
  {
    group: 'rotation',
    title: 'a cookie signed with a retired but listed secret is accepted and re-issued under the current one',
    needs: ['store'],
    async run(context) {
      const [, retired] = context.options.secrets;
      expect(retired, 'the app must be built with a retired secret (options.secrets[1])').toBeDefined();
      const old = await mintCookie(context, context.hooks.store!, [retired!], { rotated: 'yes' });
      const response = await context.client.get('/get?key=rotated', { cookie: old });
      expect(response.json<{ value: unknown }>().value).toBe('yes');
      const reissued = issuedCookie(response, context.options.cookie.name);
      // The same id under the current secret (a sealed cookie shows none: its value is all new).
      if (!SEALED_VALUE.test(old)) expect(idOf(reissued)).toBe(idOf(old));
      expect(reissued).not.toBe(old);
      const next = await context.client.get('/get?key=rotated', { cookie: reissued });
      expect(next.json<{ value: unknown }>().value).toBe('yes');
      expect(
        sessionCookie(next, context.options.cookie.name),
        'no re-issue for a current cookie',
      ).toBeUndefined();
    },
  },

  // csrf
  {
    group: 'csrf',
    title: 'a form post without the token, or with a wrong one, is refused with 403',
    needs: [],
    async run(context) {
      const { cookie, token } = await csrfSession(context);
      const origin = context.client.origin;
      const missing = await context.client.post('/form', {
        cookie,
        form: { value: 'x' },
        headers: { origin },
      });
      expect(missing.status).toBe(403);
      const wrong = await context.client.post('/form', {
        cookie,
        form: { _csrf: `${token.slice(1)}x`, value: 'x' },
        headers: { origin },
      });
      expect(wrong.status).toBe(403);
      const noSession = await context.client.post('/form', {
        form: { _csrf: token, value: 'x' },
        headers: { origin },
      });
      expect(noSession.status).toBe(403);
      expect(await value(context, 'form', cookie)).toBeUndefined();
    },
  },
  {
    group: 'csrf',
    title:
      'an unsafe request from a foreign Origin or Sec-Fetch-Site is refused with 403, even with the token',
    needs: [],
    async run(context) {
      const { cookie, token } = await csrfSession(context);
      const foreign = await context.client.post('/form', {
        cookie,
        form: { _csrf: token, value: 'x' },
        headers: { origin: 'https://evil.example' },
      });
      expect(foreign.status).toBe(403);
      const crossSite = await context.client.post('/form', {
        cookie,
        form: { _csrf: token, value: 'x' },
        headers: { 'sec-fetch-site': 'cross-site' },
      });
      expect(crossSite.status).toBe(403);
      const json = await context.client.post('/set', {
        cookie,
        json: { form: 'hijacked' },
        headers: { origin: 'https://evil.example' },
      });
      expect(json.status).toBe(403);
      expect(await value(context, 'form', cookie)).toBeUndefined();
      const safe = await context.client.get('/get?key=form', {
        cookie,
        headers: { origin: 'https://evil.example' },
      });
      expect(safe.status, 'safe methods are never refused').toBe(200);
    },
  },
  {
    group: 'csrf',
    title: 'a same-origin form post with the token (field or header) is accepted',
    needs: [],
    async run(context) {
      const name = context.options.cookie.name;
      const session = await csrfSession(context);
      const { token } = session;
      let { cookie } = session;
      const origin = context.client.origin;
      const field = await context.client.post('/form', {
        cookie,
        form: { _csrf: token, value: 'one' },
        headers: { origin },
      });
      expect(field.status, field.body).toBe(200);
      cookie = follow(field, name, cookie);
      expect(await value(context, 'form', cookie)).toBe('one');
      const header = await context.client.post('/form', {
        cookie,
        form: { value: 'two' },
        headers: { 'x-csrf-token': token, 'sec-fetch-site': 'same-origin' },
      });
      expect(header.status, header.body).toBe(200);
      expect(await value(context, 'form', follow(header, name, cookie))).toBe('two');
    },
  },

  {
    group: 'csrf',
    title:
      'an anonymous visitor’s form token costs no session: only a signed -csrf cookie, which a same-origin post then uses',
    needs: [],
    async run(context) {
      const name = context.options.cookie.name;
      const page = await context.client.get('/csrf-token');
      expect(page.status, page.body).toBe(200);
      expect(sessionCookie(page, name), 'no session cookie: nothing was stored').toBeUndefined();
      const anonymous = page.setCookies.find((cookie) => cookie.name === `${name}-csrf`);
      expect(anonymous?.value, `a ${name}-csrf cookie`).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
      expect(anonymous?.attributes.get('httponly')).toBe(true);
      expect(anonymous?.attributes.get('path')).toBe(context.options.cookie.path);
      const token = page.json<{ token: string }>().token;
      const rawCookie = `${name}-csrf=${anonymous!.value}`;
      const again = await context.client.get('/csrf-token', { rawCookie });
      expect(again.json<{ token: string }>().token, 'the same token while the cookie lasts').toBe(token);
      expect(again.setCookies).toEqual([]);
      const origin = context.client.origin;
      const refused = await context.client.post('/form', {
        rawCookie,
        form: { _csrf: `${token.slice(1)}x`, value: 'x' },
        headers: { origin },
      });
      expect(refused.status).toBe(403);
      const posted = await context.client.post('/form', {
        rawCookie,
        form: { _csrf: token, value: 'first' },
        headers: { origin },
      });
      expect(posted.status, posted.body).toBe(200);
      // The first write starts the session, which takes the token over; the anonymous cookie is cleared.
      const cookie = issuedCookie(posted, name);
      const cleared = posted.setCookies.find((c) => c.name === `${name}-csrf`);
      expect(cleared?.value, 'the anonymous cookie is cleared').toBe('');
      expect(await value(context, 'form', cookie)).toBe('first');
      const next = await context.client.post('/form', {
        cookie,
        form: { _csrf: token, value: 'second' },
        headers: { origin },
      });
      expect(next.status, 'forms rendered before the session started still post').toBe(200);
    },
  },
  {
    group: 'csrf',
    title: 'a CSRF token learned before sign-in is refused after it (403)',
    needs: [],
    async run(context) {
      const name = context.options.cookie.name;
      const origin = context.client.origin;
      const { cookie, token } = await csrfSession(context);
      const login = await context.client.post('/login', {
        cookie,
        json: { user: 'csrf-user' },
        headers: { origin },
      });
      expect(login.status, login.body).toBe(200);
      const signedIn = issuedCookie(login, name);
      const stale = await context.client.post('/form', {
        cookie: signedIn,
        form: { _csrf: token, value: 'x' },
        headers: { origin },
      });
      expect(stale.status).toBe(403);
      const asked = await context.client.get('/csrf-token', { cookie: signedIn });
      const fresh = asked.json<{ token: string }>().token;
      expect(fresh).not.toBe(token);
      const accepted = await context.client.post('/form', {
        cookie: follow(asked, name, signedIn),
        form: { _csrf: fresh, value: 'y' },
        headers: { origin },
      });
      expect(accepted.status, accepted.body).toBe(200);
    },
  },

  // responses
  {
    group: 'responses',
    title: 'a redirect right after a write is followed by a request that sees the write',
    needs: [],
    async run(context) {
      const name = context.options.cookie.name;
      const first = await context.client.post('/write-redirect?key=landing&value=new', {});
      expect(first.status).toBe(302);
      let cookie = issuedCookie(first, name);
      const location = first.headers.get('location');
      expect(location).toBe('/get?key=landing');
      expect((await context.client.get(location!, { cookie })).json()).toEqual({ value: 'new' });
      for (let round = 0; round < 5; round++) {
        const next = await context.client.post(`/write-redirect?key=landing&value=v${round}`, { cookie });
        expect(next.status).toBe(302);
        cookie = follow(next, name, cookie);
        expect((await context.client.get(location!, { cookie })).json()).toEqual({ value: `v${round}` });
      }
    },
  },
  {
    group: 'responses',
    title: 'a streamed response carries the cookie in its head and the write is saved',
    needs: [],
    async run(context) {
      const response = await context.client.post('/stream?key=streamed&value=yes', {});
      expect(response.status).toBe(200);
      expect(response.body).toBe('chunk-1\nchunk-2\n');
      const cookie = issuedCookie(response, context.options.cookie.name);
      expect(await value(context, 'streamed', cookie)).toBe('yes');
    },
  },
  {
    group: 'responses',
    title: 'a write followed by a 500 persists nothing',
    needs: [],
    async run(context) {
      const fresh = await context.client.post('/fail?key=failed&value=yes', {});
      expect(fresh.status).toBe(500);
      expect(fresh.setCookies).toEqual([]);
      expectNoLeak(fresh);
      const cookie = await start(context, { failed: 'before' });
      const existing = await context.client.post('/fail?key=failed&value=after', { cookie });
      expect(existing.status).toBe(500);
      expect(await value(context, 'failed', cookie)).toBe('before');
    },
  },
  {
    group: 'responses',
    title: 'a write followed by a 500 makes no store write',
    needs: ['storeCalls'],
    async run(context) {
      await resetCalls(context);
      const fresh = await context.client.post('/fail?key=failed&value=yes', {});
      expect(fresh.status).toBe(500);
      const counts = await calls(context);
      expect(counts.create + counts.set + counts.compareAndSet + counts.touch).toBe(0);
    },
  },

  // outage
  {
    group: 'outage',
    title:
      'store down: 503 without a stack trace, the server stays up and serves again when the store returns',
    needs: ['storeControl'],
    async run(context) {
      const { storeDown, storeUp } = context.hooks;
      const cookie = await start(context, { outage: 'before' });
      await storeDown!();
      try {
        const read = await context.client.get('/get?key=outage', { cookie });
        expect(read.status).toBe(503);
        expect(read.setCookies).toEqual([]);
        expectNoLeak(read);
        const write = await context.client.post('/set', { json: { outage: 'during' } });
        expect(write.status).toBe(503);
        expect(write.setCookies).toEqual([]);
        expectNoLeak(write);
        const untouched = await context.client.get('/none');
        expect(untouched.status, 'a request that never touches the session is served').toBe(200);
      } finally {
        await storeUp!();
      }
      // The client reconnects on its own schedule: poll (real time, bounded) until it serves again.
      const deadline = Date.now() + 10_000;
      let status = 0;
      while (Date.now() < deadline) {
        status = (await context.client.get('/get?key=outage', { cookie })).status;
        if (status === 200) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(status, 'serves again within 10 s of the store returning').toBe(200);
      const write = await context.client.post('/set', { cookie, json: { outage: 'after' } });
      expect(write.status).toBe(200);
      const latest = sessionCookie(write, context.options.cookie.name)?.value ?? cookie;
      expect(await value(context, 'outage', latest)).toBe('after');
    },
  },
];

/** A stored session and its CSRF token. */
async function csrfSession(context: Context): Promise<{ cookie: string; token: string }> {
  const started = await start(context, { visitor: 'known' });
  const response = await context.client.get('/csrf-token', { cookie: started });
  expect(response.status).toBe(200);
  const token = response.json<{ token: string }>().token;
  expect(typeof token).toBe('string');
  expect(token.length).toBeGreaterThanOrEqual(32);
  // The cookie a browser holds now: a sealed cookie carries the new token in a re-sealed cookie.
  return { cookie: follow(response, context.options.cookie.name, started), token };
}

/** Cookies the app never issued, next to a real one it did (holding `secret`). */
async function badCookies(context: Context): Promise<Array<[string, string]>> {
  const good = await start(context, { secret: 'real' });
  const [id = '', signature = ''] = good.split('.');
  const flip = (text: string, at: number): string =>
    `${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`;
  const wrongSecret = await mintCookie(
    context,
    memoryStore({ warn: false, sweepInterval: 0 }),
    [randomSecret()],
    {
      secret: 'other',
    },
  );
  return [
    ['unsigned', id],
    ['forged signature', `${id}.${'A'.repeat(signature.length)}`],
    ['tampered id', `${flip(id, 0)}.${signature}`],
    ['tampered signature', `${id}.${flip(signature, 5)}`],
    ['truncated', good.slice(0, -1)],
    ['padded', `${good}=`],
    ['padded with data', `${good}A`],
    ['wrong secret', wrongSecret],
    ['empty', ''],
    ['garbage', 'not-a-session'],
    ['url-encoded', `${id}%2E${signature}`],
  ];
}

/**
 * Registers the HTTP scenario suite against one running app (see the package README for the routes
 * the app must serve). Call it at the top level of a vitest test file; it registers a `describe`
 * block whose `beforeAll` runs `setup` and whose `afterAll` runs the target's `close`.
 * @throws Error at registration when `groups` names an unknown group
 * @example
 * describeAdapterScenarios('express 5 · memory store', {
 *   options: scenarioOptions,
 *   capabilities: { clock: true, storeCalls: true, store: true, storeControl: false },
 *   groups: scenarioGroups.filter((group) => group !== 'outage'),
 *   setup: async () => startMyApp(),
 * });
 */
export function describeAdapterScenarios(title: string, suite: ScenarioSuite): void {
  const plan = planOf(suite);
  describe(title, () => {
    let context: Context | undefined;
    let close: (() => Promise<void>) | undefined;
    let gates: GateServer | undefined;

    beforeAll(async () => {
      const target = await suite.setup();
      close = target.close;
      for (const capability of Object.keys(HOOKS_OF) as ScenarioCapability[]) {
        if (!declares(suite.capabilities, capability)) continue;
        for (const hook of HOOKS_OF[capability]) {
          if (target.hooks[hook] === undefined) {
            throw new Error(
              `describeAdapterScenarios: capability ${capability} is declared but hooks.${hook} is missing`,
            );
          }
        }
      }
      gates = await startGateServer();
      context = {
        client: new ScenarioClient(target.baseUrl, suite.options.cookie.name),
        peer: new ScenarioClient(target.hooks.peerBaseUrl ?? target.baseUrl, suite.options.cookie.name),
        options: suite.options,
        hooks: target.hooks,
        gates,
      };
    }, 60_000);

    afterAll(async () => {
      await close?.();
      await gates?.close();
    }, 60_000);

    for (const group of scenarioGroups) {
      const planned = plan.filter((entry) => entry.group === group);
      if (planned.length === 0) continue;
      describe(GROUP_TITLES[group], () => {
        for (const entry of planned) {
          if (entry.missing.length === 0) {
            it(entry.title, () => entry.scenario.run(context!), 60_000);
          } else {
            const note = notRunNote(entry.missing);
            it(`${entry.title} [${note}]`, (test) => {
              // Declared, not hidden: the report shows this scenario and why this target cannot run it.
              test.skip(note);
            });
          }
        }
      });
    }
  });
}

/** One scenario as a suite registration will register it. */
export interface PlannedScenario {
  readonly group: ScenarioGroup;
  readonly title: string;
  /** The capabilities it needs that the suite did not declare: when not empty, it is declared "not run". */
  readonly missing: readonly ScenarioCapability[];
}

function planOf(
  suite: Pick<ScenarioSuite, 'capabilities' | 'groups'>,
): Array<PlannedScenario & { readonly scenario: Scenario }> {
  const groups = suite.groups ?? scenarioGroups;
  for (const group of groups) {
    if (!scenarioGroups.includes(group))
      throw new Error(`describeAdapterScenarios: unknown group ${JSON.stringify(group)}`);
  }
  return scenarios
    .filter((scenario) => groups.includes(scenario.group))
    .map((scenario) => ({
      group: scenario.group,
      title: scenario.title,
      missing: scenario.needs.filter((need) => !declares(suite.capabilities, need)),
      scenario,
    }));
}

/**
 * What {@link describeAdapterScenarios} registers for these capabilities and groups, in order: which
 * scenarios run and which are declared "not run" for want of a hook. Handy for an end-to-end report.
 * @throws Error when `groups` names an unknown group
 * @example
 * const notRun = scenarioPlan({ capabilities }).filter((entry) => entry.missing.length > 0);
 */
export function scenarioPlan(suite: Pick<ScenarioSuite, 'capabilities' | 'groups'>): PlannedScenario[] {
  return planOf(suite).map(({ group, title, missing }) => ({ group, title, missing }));
}

/**
 * The storeCalls and store hooks for a {@link countingStore} the app uses.
 * @example
 * const store = countingStore(memoryStore({ now: clock.now, warn: false }));
 * return { baseUrl, hooks: { clock, ...storeHooks(store) }, close };
 */
export function storeHooks(
  store: CountingStore,
): Pick<ScenarioHooks, 'storeCalls' | 'resetStoreCalls' | 'store'> {
  return { storeCalls: () => store.calls(), resetStoreCalls: () => store.resetCalls(), store };
}

/** The titles of every scenario, by group, as the suite registers them (for docs and reports). */
export function scenarioTitles(): Readonly<Record<ScenarioGroup, readonly string[]>> {
  const titles = Object.fromEntries(scenarioGroups.map((group) => [group, [] as string[]])) as Record<
    ScenarioGroup,
    string[]
  >;
  for (const scenario of scenarios) titles[scenario.group].push(scenario.title);
  return titles;
}
