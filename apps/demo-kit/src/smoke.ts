import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@cloakroom/session-adapter-test/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSharedSession, DemoClient, type RunningDemo, startDemo } from './testing.ts';

/** Options of {@link describeDemoSmoke}. */
export interface DemoSmokeOptions {
  /** The name the page shows in its title, `Cloakroom demo · <framework>`. */
  readonly framework: string;
  /** The demo's folder (its `dist/server.js` must be built). */
  readonly dir: string;
}

// The suite runs on the store SESSION_STORE names (SQLite by default); Memcached keeps no per-user index,
// so there the session list and revoke answer 501.
const WITHOUT_USER_INDEX = process.env.SESSION_STORE === 'memcached';
const SECRET = 'smoke-test-secret-that-is-long-enough-for-core';

function csrfTokenOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('the page carries no _csrf field');
  return match[1];
}

function form(fields: Record<string, string>, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  };
}

/**
 * The smoke suite every demo runs on its built server: two processes on one SQLite file (the default
 * store), the issue-8 contract route by route, CSRF, a store that is down, and a clean SIGTERM. The full
 * contract and the browser runs are `apps/e2e`'s.
 * @example
 * describeDemoSmoke({ framework: 'Express', dir: fileURLToPath(new URL('..', import.meta.url)) });
 */
export function describeDemoSmoke(options: DemoSmokeOptions): void {
  describe(`${options.framework} demo, built server`, () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cloakroom-demo-smoke-'));
    const env = { SESSION_SECRET: SECRET, SESSION_SQLITE_FILE: join(dataDir, 'sessions.db') };
    let a: RunningDemo;
    let b: RunningDemo;

    beforeAll(async () => {
      [a, b] = await Promise.all([
        startDemo({ dir: options.dir, env }),
        startDemo({ dir: options.dir, env }),
      ]);
    });
    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('prints the listening line and answers GET /healthz without a cookie', async () => {
      expect(a.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const response = await fetch(`${a.url}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('ok');
      expect(response.headers.getSetCookie()).toEqual([]);
    });

    it('GET / renders the page with the framework in its title and a CSRF token in its forms', async () => {
      const client = new DemoClient();
      const response = await client.request(`${a.url}/`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await response.text();
      expect(html).toContain(`<title>Cloakroom demo · ${options.framework}</title>`);
      expect(csrfTokenOf(html)).toMatch(/^[\w-]{20,}$/);
      // A visitor without a session: the form's token rides in the signed -csrf cookie, nothing is stored.
      expect(client.cookieHeader).toMatch(/^session-csrf=/);
      expect(client.cookieHeader).not.toMatch(/(^|; )session=/);
    });

    it('GET /api/session of a new visitor is empty and sets no cookie', async () => {
      const client = new DemoClient();
      const { status, body, response } = await client.json(`${a.url}/api/session`);
      expect(status).toBe(200);
      expect(body).toEqual({ user: null, count: 0, cart: [], flash: [] });
      expect(response.headers.getSetCookie()).toEqual([]);
    });

    it('counts, fills the cart, refuses bad items, signs in once with a flash, lists and revokes sessions', async () => {
      const phone = new DemoClient();
      expect((await phone.json(`${a.url}/api/count`, 'POST')).body).toEqual({ count: 1 });
      expect((await phone.json(`${b.url}/api/count`, 'POST')).body).toEqual({ count: 2 });
      const bad = await phone.json(`${a.url}/api/cart`, 'POST', { item: '' });
      expect(bad.status).toBe(400);
      expect(bad.body).toEqual({ error: expect.any(String) });
      expect((await phone.json(`${a.url}/api/cart`, 'POST', { item: 'x'.repeat(65) })).status).toBe(400);
      // Parallel adds, alternating between the two processes: every one lands.
      const items = ['apple', 'pear', 'plum', 'fig', 'kiwi', 'lime'];
      const adds = await Promise.all(
        items.map((item, i) => phone.json(`${i % 2 ? b.url : a.url}/api/cart`, 'POST', { item })),
      );
      expect(adds.map((add) => add.status)).toEqual(items.map(() => 200));
      const cart = (await phone.json(`${b.url}/api/session`)).body as { cart: string[] };
      expect([...cart.cart].sort()).toEqual([...items].sort());

      const wrong = await phone.json(`${a.url}/api/login`, 'POST', {
        username: 'alice',
        password: 'bob-secret',
      });
      expect(wrong.status).toBe(401);
      expect(wrong.body).toEqual({ error: expect.any(String) });
      expect((await phone.json(`${a.url}/api/sessions`)).status).toBe(401);
      expect((await phone.json(`${a.url}/api/sessions/revoke-others`, 'POST')).status).toBe(401);

      const before = phone.cookieHeader;
      const signIn = await phone.json(`${a.url}/api/login`, 'POST', {
        username: 'alice',
        password: 'alice-secret',
      });
      expect(signIn).toMatchObject({ status: 200, body: { user: 'alice' } });
      expect(phone.cookieHeader).not.toBe(before); // regenerated
      expect((await phone.json(`${b.url}/api/session`)).body).toMatchObject({
        user: 'alice',
        count: 2,
        flash: ['Welcome, alice'],
      });
      expect((await phone.json(`${a.url}/api/session`)).body).toMatchObject({ user: 'alice', flash: [] });
      // The id before sign-in no longer works.
      expect(
        (await new DemoClient().json(`${a.url}/api/session`, 'GET', undefined, { cookie: before })).body,
      ).toMatchObject({
        user: null,
        count: 0,
      });

      const laptop = new DemoClient();
      await laptop.json(`${b.url}/api/login`, 'POST', { username: 'alice', password: 'alice-secret' });
      if (WITHOUT_USER_INDEX) {
        expect((await phone.json(`${a.url}/api/sessions`)).status).toBe(501);
        expect((await laptop.json(`${b.url}/api/sessions/revoke-others`, 'POST')).status).toBe(501);
      } else {
        const listed = await phone.json(`${a.url}/api/sessions`);
        expect(listed.status).toBe(200);
        const sessions = listed.body as Array<{ current: boolean; createdAt: string }>;
        expect(sessions).toHaveLength(2);
        expect(sessions.filter((s) => s.current)).toHaveLength(1);
        for (const s of sessions) expect(new Date(s.createdAt).toISOString()).toBe(s.createdAt);
        expect((await laptop.json(`${b.url}/api/sessions/revoke-others`, 'POST')).body).toEqual({
          revoked: 1,
        });
        expect((await phone.json(`${a.url}/api/session`)).body).toMatchObject({ user: null });
      }
      const out = await laptop.json(`${a.url}/api/logout`, 'POST');
      expect(out.status).toBe(204);
      expect(out.body).toBeNull();
      expect((await laptop.json(`${b.url}/api/session`)).body).toEqual({
        user: null,
        count: 0,
        cart: [],
        flash: [],
      });
    });

    it('keeps one session across two processes on one store', async () => {
      await expect(checkSharedSession([a.url, b.url, a.url])).resolves.toHaveLength(5);
    });

    it('refuses unsafe requests from a foreign Origin and serves them from its own', async () => {
      const client = new DemoClient();
      const foreign = await client.json(`${a.url}/api/count`, 'POST', undefined, {
        origin: 'https://evil.example',
      });
      expect(foreign.status).toBe(403);
      expect(foreign.body).toEqual({ error: expect.any(String) });
      expect((await client.json(`${a.url}/api/count`, 'POST', undefined, { origin: a.url })).body).toEqual({
        count: 1,
      });
    });

    it('answers form posts with a 303 to / and refuses them without a valid token', async () => {
      const browser = new DemoClient();
      const token = csrfTokenOf(await (await browser.request(`${a.url}/`)).text());
      const missing = await browser.request(`${a.url}/api/count`, form({}));
      expect(missing.status).toBe(403);
      const forged = await browser.request(`${a.url}/api/count`, form({ _csrf: `${token.slice(1)}x` }));
      expect(forged.status).toBe(403);

      // As a browser sends it: same Origin, and the token.
      const counted = await browser.request(`${a.url}/api/count`, form({ _csrf: token }, { origin: a.url }));
      expect(counted.status).toBe(303);
      expect(counted.headers.get('location')).toBe('/');
      const wrong = await browser.request(
        `${a.url}/api/login`,
        form({ _csrf: token, username: 'alice', password: 'nope' }),
      );
      expect(wrong.status).toBe(303);
      const signIn = await browser.request(
        `${a.url}/api/login`,
        form({ _csrf: token, username: 'bob', password: 'bob-secret' }),
      );
      expect(signIn.status).toBe(303);
      const page = await (await browser.request(`${a.url}/`)).text();
      expect(page).toContain('Welcome, bob');
      expect(page).toContain('Wrong username or password.');
      expect(page).toContain('<strong data-test="count">1</strong>');
      const added = await browser.request(
        `${a.url}/api/cart`,
        form({ _csrf: csrfTokenOf(page), item: 'fig' }),
      );
      expect(added.status).toBe(303);
      expect((await browser.json(`${b.url}/api/session`)).body).toMatchObject({
        user: 'bob',
        cart: ['fig'],
        flash: [],
      });
      const out = await browser.request(`${a.url}/api/logout`, form({ _csrf: csrfTokenOf(page) }));
      expect(out.status).toBe(303);
      expect((await browser.json(`${a.url}/api/session`)).body).toMatchObject({ user: null });
    });

    it('answers JSON 404s for unknown routes', async () => {
      const { status, body } = await new DemoClient().json(`${a.url}/api/nope`);
      expect(status).toBe(404);
      expect(body).toEqual({ error: expect.any(String) });
    });

    it('refuses to start without SESSION_SECRET, saying what to set', async () => {
      const refused = await startDemo({
        dir: options.dir,
        env: { SESSION_SECRET: '', DEMO_INSECURE_DEV_SECRET: '', SESSION_STORE: 'memory' },
      }).then(
        async (started) => `it started: ${started.url} (${await started.stop()})`,
        (error: Error) => error.message,
      );
      expect(refused).toContain('exited (1) before listening');
      expect(refused).toMatch(/SESSION_SECRET is not set.*DEMO_INSECURE_DEV_SECRET=1/s);
    });

    it('answers 503 with a JSON error while the store is down, and /healthz still 200', async () => {
      const port = await freePort(); // nothing listens there
      const down = await startDemo({
        dir: options.dir,
        env: {
          SESSION_SECRET: SECRET,
          SESSION_STORE: 'redis',
          REDIS_URL: `redis://demo:smoke-redis-password@127.0.0.1:${port}`,
        },
      });
      try {
        // A new visitor's write fails at commit.
        const visitor = new DemoClient();
        const write = await visitor.json(`${down.url}/api/count`, 'POST');
        expect(write.status).toBe(503);
        expect(write.body).toEqual({ error: expect.any(String) });
        expect(write.response.headers.getSetCookie()).toEqual([]);
        // A visitor without a session needs no store for the page (its CSRF token is in a cookie).
        expect((await visitor.request(`${down.url}/`)).status).toBe(200);
        // A visitor with a session (same secret, made on a healthy instance) cannot even read it.
        const known = new DemoClient();
        await known.json(`${a.url}/api/count`, 'POST');
        const read = await known.json(`${down.url}/api/session`);
        expect(read.status).toBe(503);
        expect(read.body).toEqual({ error: expect.any(String) });
        expect((await fetch(`${down.url}/healthz`)).status).toBe(200);
        expect(down.output()).not.toMatch(/\n\s+at /); // no stack traces for an outage
        // The failing Redis is named by its address, never with the credentials of REDIS_URL.
        expect(down.output()).toContain(`redis at redis://127.0.0.1:${port}:`);
        expect(down.output()).not.toContain('smoke-redis-password');
      } finally {
        expect(await down.stop()).toBe(0);
      }
    });

    it('exits 1 with one clear line when its port is taken', async () => {
      const port = new URL(a.url).port;
      const attempt = startDemo({ dir: options.dir, env: { ...env, PORT: port } });
      await expect(attempt).rejects.toThrow(
        /exited \(1\) before listening[\s\S]*demo: cannot listen: .*EADDRINUSE/,
      );
    });

    it('serves the scenario app only with DEMO_SCENARIO_ROUTES=1', async () => {
      expect((await fetch(`${a.url}/__scenarios/none`)).status).toBe(404);
      const demo = await startDemo({ dir: options.dir, env: { ...env, DEMO_SCENARIO_ROUTES: '1' } });
      try {
        const none = await fetch(`${demo.url}/__scenarios/none`);
        expect(none.status).toBe(200);
        expect(await none.text()).toBe('none');
        const client = new DemoClient();
        expect((await client.json(`${demo.url}/__scenarios/increment?key=n`, 'POST')).body).toEqual({
          value: 1,
        });
        expect((await client.json(`${demo.url}/__scenarios/get?key=n`)).body).toEqual({ value: 1 });
      } finally {
        await demo.stop();
      }
    });

    it('closes the server and the store on SIGTERM and exits 0', async () => {
      const demo = await startDemo({ dir: options.dir, env });
      expect((await new DemoClient().json(`${demo.url}/api/count`, 'POST')).status).toBe(200);
      expect(await demo.stop()).toBe(0);
      expect(demo.output()).toContain('demo: closed');
    });
  });
}
