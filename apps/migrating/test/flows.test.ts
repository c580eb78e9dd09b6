import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from './browser.ts';
import { type ExampleModule, type Kind, type Running, serve } from './serve.ts';

// Each guide's before-app (on the real peer package) and after-app (on Cloakroom) answer one user flow
// over HTTP with the same bodies: sign in (a cookie is set), the session kept across requests, sign out.
// They differ where the guides say they do: a cookie copied before sign-out keeps working wherever the
// session lives in the cookie (koa-session's cookie mode, iron-session, hono-sessions' CookieStore, and
// Cloakroom's sealed-cookie mode without a revocation store), never where it lives in a store.

/** One example app: `src/<peer>/<file>.ts`. */
interface App {
  readonly file: string;
  /** The cookie it sets at sign-in. */
  readonly cookie: string;
  /** Whether a cookie copied before sign-out still signs in afterwards (the session is in the cookie). */
  readonly replayWorks: boolean;
}

interface Peer {
  /** The folder under src/, and the guide's name under docs/migrating/. */
  readonly name: string;
  readonly kind: Kind;
  /** The peer's secret as apps have it: express-session and koa-session accept short ones. */
  readonly oldSecret: string;
  /** The before-app first, then the Cloakroom ones. */
  readonly apps: readonly App[];
}

/** The name Cloakroom gives its cookie with `secure: 'auto'` (no `__Host-` prefix without Secure). */
const CLOAKROOM_COOKIE = 'session';
const cloakroom = (file: string, replayWorks = false): App => ({
  file,
  cookie: CLOAKROOM_COOKIE,
  replayWorks,
});
const longSecret = (): string => randomBytes(24).toString('base64');

const PEERS: readonly Peer[] = [
  {
    name: 'express-session',
    kind: 'express',
    oldSecret: 'keyboard cat',
    apps: [{ file: 'before', cookie: 'sid', replayWorks: false }, cloakroom('after'), cloakroom('compat')],
  },
  {
    name: 'koa-session',
    kind: 'koa',
    oldSecret: 'keyboard cat',
    apps: [
      { file: 'before', cookie: 'koa.sess', replayWorks: true },
      cloakroom('after'),
      cloakroom('after-sealed', true),
    ],
  },
  {
    name: 'iron-session',
    kind: 'express',
    oldSecret: longSecret(),
    apps: [
      { file: 'before', cookie: 'myapp_session', replayWorks: true },
      cloakroom('after', true),
      cloakroom('after-revocation'),
    ],
  },
  {
    name: 'fastify-session',
    kind: 'fastify',
    oldSecret: longSecret(),
    apps: [{ file: 'before', cookie: 'sessionId', replayWorks: false }, cloakroom('after')],
  },
  {
    name: 'hono-sessions',
    kind: 'hono',
    oldSecret: longSecret(),
    apps: [
      { file: 'before', cookie: 'session', replayWorks: true },
      cloakroom('after'),
      cloakroom('after-sealed', true),
    ],
  },
];

const src = join(import.meta.dirname, '..', 'src');

/** The flow every app answers alike; `replayed` is what a copy of the cookie taken before sign-out gets. */
async function signInAndOut(url: string, cookie: string): Promise<{ replayed: unknown }> {
  const browser = new Browser(url);
  expect(await browser.request('GET', '/me')).toEqual({ status: 200, body: { user: null, visits: 0 } });

  expect(await browser.request('POST', '/sign-in')).toEqual({ status: 200, body: { ok: true } });
  expect(browser.lastSetCookies).toContain(cookie);

  expect(await browser.request('GET', '/me')).toEqual({ status: 200, body: { user: 'ada', visits: 1 } });
  expect(await browser.request('GET', '/me')).toEqual({ status: 200, body: { user: 'ada', visits: 2 } });
  const copied = browser.copy();

  expect(await browser.request('POST', '/sign-out')).toEqual({ status: 200, body: { ok: true } });
  expect(await browser.request('GET', '/me')).toEqual({ status: 200, body: { user: null, visits: 0 } });

  return { replayed: (await copied.request('GET', '/me')).body };
}

describe.each(PEERS)('$name', (peer) => {
  const running = new Map<string, Running>();
  beforeAll(async () => {
    // The example apps read their secrets from the environment when they are imported, as apps do.
    process.env.SESSION_SECRET = peer.oldSecret;
    process.env.CLOAKROOM_SECRET = randomBytes(32).toString('base64url');
    for (const { file } of peer.apps) {
      const module = (await import(pathToFileURL(join(src, peer.name, `${file}.ts`)).href)) as ExampleModule;
      running.set(file, await serve(peer.kind, module));
    }
  });
  afterAll(async () => {
    for (const app of running.values()) await app.stop();
  });

  it.each(peer.apps)(
    '$file: signs in with a cookie, keeps the session across requests, signs out',
    async (app) => {
      const { replayed } = await signInAndOut(running.get(app.file)!.url, app.cookie);
      expect(replayed).toMatchObject({ user: app.replayWorks ? 'ada' : null });
    },
  );

  if (peer.name === 'express-session') {
    it('compat with legacy: a browser signed in on express-session stays signed in, once', async () => {
      const before = running.get('before')!;
      const compat = running.get('compat')!;
      const browser = new Browser(before.url);
      await browser.request('POST', '/sign-in');
      expect(await browser.request('GET', '/me')).toEqual({ status: 200, body: { user: 'ada', visits: 1 } });
      const oldCookie = browser.copy();

      // The same browser, the app now restarted on Cloakroom: the session and its data come along.
      const moved = browser.copy(compat.url);
      expect(await moved.request('GET', '/me')).toEqual({ status: 200, body: { user: 'ada', visits: 2 } });
      expect(moved.lastSetCookies.sort()).toEqual([CLOAKROOM_COOKIE, 'sid']);
      expect([...moved.jar.keys()]).toEqual([CLOAKROOM_COOKIE]); // the old cookie cleared
      expect(await moved.request('GET', '/me')).toEqual({ status: 200, body: { user: 'ada', visits: 3 } });

      // The old record was taken from the old store: the old cookie never works twice.
      const replay = oldCookie.copy(compat.url);
      expect(await replay.request('GET', '/me')).toEqual({ status: 200, body: { user: null, visits: 0 } });

      await moved.request('POST', '/sign-out');
      expect(await moved.request('GET', '/me')).toEqual({ status: 200, body: { user: null, visits: 0 } });
    });
  }
});
