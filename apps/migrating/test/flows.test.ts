import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from './browser.ts';
import { type ExampleModule, type Kind, type Running, serve } from './serve.ts';

// Each guide's before-app (on the real peer package) and after-app (on Cloakroom) answer one user flow
// over HTTP with the same bodies: sign in (a cookie is set), the session kept across requests, sign out.
// They differ where the guide says they do: a cookie copied before sign-out keeps working against the
// peers that keep the session in the cookie, and never against Cloakroom.

interface Peer {
  /** The folder under src/, and the guide's name under docs/migrating/. */
  readonly name: string;
  readonly kind: Kind;
  /** The peer's secret as apps have it: express-session and koa-session accept short ones. */
  readonly oldSecret: string;
  /** The cookie the before-app sets at sign-in. */
  readonly cookie: string;
  /** Whether the before-app still accepts a cookie copied before sign-out. */
  readonly replayWorks: boolean;
}

const PEERS: readonly Peer[] = [
  { name: 'express-session', kind: 'express', oldSecret: 'keyboard cat', cookie: 'sid', replayWorks: false },
  { name: 'koa-session', kind: 'koa', oldSecret: 'keyboard cat', cookie: 'koa.sess', replayWorks: true },
  {
    name: 'iron-session',
    kind: 'express',
    oldSecret: randomBytes(24).toString('base64'),
    cookie: 'myapp_session',
    replayWorks: true,
  },
  {
    name: 'fastify-session',
    kind: 'fastify',
    oldSecret: randomBytes(24).toString('base64'),
    cookie: 'sessionId',
    replayWorks: false,
  },
  {
    name: 'hono-sessions',
    kind: 'hono',
    oldSecret: randomBytes(24).toString('base64'),
    cookie: 'session',
    replayWorks: true,
  },
];

const src = join(import.meta.dirname, '..', 'src');
/** The name Cloakroom gives its cookie with `secure: 'auto'` (no `__Host-` prefix without Secure). */
const CLOAKROOM_COOKIE = 'session';

describe.each(PEERS)('$name', (peer) => {
  describe.each(['before', 'after'] as const)('%s', (stage) => {
    let running: Running;
    beforeAll(async () => {
      // The example apps read their secrets from the environment when they are imported, as apps do.
      process.env.SESSION_SECRET = peer.oldSecret;
      process.env.CLOAKROOM_SECRET = randomBytes(32).toString('base64url');
      const module = (await import(pathToFileURL(join(src, peer.name, `${stage}.ts`)).href)) as ExampleModule;
      running = await serve(peer.kind, module);
    });
    afterAll(() => running?.stop());

    it('signs in with a cookie, keeps the session across requests, signs out', async () => {
      const browser = new Browser(running.url);
      expect(await browser.request('GET', '/me')).toEqual({ status: 200, body: { user: null, visits: 0 } });

      expect(await browser.request('POST', '/sign-in')).toEqual({ status: 200, body: { ok: true } });
      expect(browser.lastSetCookies).toContain(stage === 'before' ? peer.cookie : CLOAKROOM_COOKIE);

      expect(await browser.request('GET', '/me')).toEqual({ status: 200, body: { user: 'ada', visits: 1 } });
      expect(await browser.request('GET', '/me')).toEqual({ status: 200, body: { user: 'ada', visits: 2 } });
      const copied = browser.copy();

      expect(await browser.request('POST', '/sign-out')).toEqual({ status: 200, body: { ok: true } });
      expect(await browser.request('GET', '/me')).toEqual({ status: 200, body: { user: null, visits: 0 } });

      const replayed = await copied.request('GET', '/me');
      const stillSignedIn = stage === 'before' && peer.replayWorks;
      expect(replayed.body).toMatchObject({ user: stillSignedIn ? 'ada' : null });
    });
  });
});
