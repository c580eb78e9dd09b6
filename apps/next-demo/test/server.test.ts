// The Next.js demo as a real process (server.ts over the `next build` output), two of them over one
// SQLite file: the issue-8 JSON contract route by route, the page, real Server Actions posted the way a
// form posts before JavaScript loads, CSRF, a store that is down, a taken port and SIGTERM.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkSharedSession, DemoClient, freePort, type RunningDemo, startDemo } from 'demo-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const DIR = fileURLToPath(new URL('..', import.meta.url));
const SECRET = 'next-demo-smoke-secret-long-enough-for-core';
const EMPTY = { user: null, count: 0, cart: [], flash: [] };
const FOREIGN = 'https://evil.example';

const start = (env: Record<string, string>): Promise<RunningDemo> =>
  startDemo({ dir: DIR, entry: 'server.ts', env, timeoutMs: 60_000 });

/** The Server Action id of the form whose button has `data-test="<test>"`, as the page renders it. */
function actionOf(html: string, test: string): string {
  const form = new RegExp(
    `name="\\$ACTION_ID_([0-9a-f]+)"/>(?:<input[^>]*>)*<button type="submit" data-test="${test}"`,
  ).exec(html);
  if (!form?.[1]) throw new Error(`the page has no Server Action form with data-test="${test}"`);
  return form[1];
}

/** A form post to a Server Action, as a browser sends it without JavaScript: multipart, with its id. */
function actionPost(id: string, fields: Record<string, string>, origin: string): RequestInit {
  const body = new FormData();
  body.set(`$ACTION_ID_${id}`, '');
  for (const [name, value] of Object.entries(fields)) body.set(name, value);
  return { method: 'POST', body, headers: { origin } };
}

const text = (html: string, test: string): string | undefined =>
  new RegExp(`data-test="${test}"[^>]*>([^<]*)<`).exec(html)?.[1];

describe('next-demo, built server', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cloakroom-next-demo-'));
  const env = { SESSION_SECRET: SECRET, SESSION_SQLITE_FILE: join(dataDir, 'sessions.db') };
  let a: RunningDemo;
  let b: RunningDemo;

  beforeAll(async () => {
    [a, b] = await Promise.all([start(env), start(env)]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the listening line; GET /healthz answers ok and sets no cookie, signed in or not', async () => {
    expect(a.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const anonymous = await fetch(`${a.url}/healthz`);
    expect(anonymous.status).toBe(200);
    expect(await anonymous.text()).toBe('ok');
    expect(anonymous.headers.getSetCookie()).toEqual([]);
    const user = new DemoClient();
    await user.json(`${a.url}/api/count`, 'POST');
    const signedIn = await user.request(`${a.url}/healthz`);
    expect(signedIn.status).toBe(200);
    expect(signedIn.headers.getSetCookie()).toEqual([]);
  });

  it('GET / renders the page (title, data-test hooks, Server Action forms) and sets no cookie', async () => {
    const response = await fetch(`${a.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.getSetCookie()).toEqual([]);
    const html = await response.text();
    expect(html).toContain('<title>Cloakroom demo · Next.js</title>');
    expect(html).toContain('data-test="user-none"');
    expect(text(html, 'count')).toBe('0');
    for (const test of ['login', 'increment', 'add']) expect(actionOf(html, test)).toMatch(/^[0-9a-f]+$/);
  });

  it('GET /api/session of a new visitor is the empty state and sets no cookie', async () => {
    const { status, body, response } = await new DemoClient().json(`${a.url}/api/session`);
    expect(status).toBe(200);
    expect(body).toEqual(EMPTY);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('walks the JSON contract across two processes: count, cart, sign-in, flash once, sessions, revoke, sign-out', async () => {
    const phone = new DemoClient();
    const first = await phone.json(`${a.url}/api/count`, 'POST');
    expect(first.body).toEqual({ count: 1 });
    expect(first.response.headers.get('cache-control')).toMatch(/private.*no-store|no-store.*private/);
    expect(first.response.headers.get('vary')).toMatch(/cookie/i);
    expect((await phone.json(`${b.url}/api/count`, 'POST')).body).toEqual({ count: 2 });

    for (const item of ['', 'x'.repeat(65), 42]) {
      const bad = await phone.json(`${a.url}/api/cart`, 'POST', { item });
      expect(bad.status).toBe(400);
      expect(bad.body).toEqual({ error: expect.any(String) });
    }
    const notJson = await phone.request(`${a.url}/api/cart`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"item": ',
    });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({ error: expect.any(String) });
    // Parallel adds, alternating between the two processes: every one lands.
    const items = ['apple', 'pear', 'plum', 'fig', 'kiwi', 'lime'];
    const adds = await Promise.all(
      items.map((item, i) => phone.json(`${i % 2 ? b.url : a.url}/api/cart`, 'POST', { item })),
    );
    expect(adds.map((add) => add.status)).toEqual(items.map(() => 200));
    const { cart } = (await phone.json(`${b.url}/api/session`)).body as { cart: string[] };
    expect([...cart].sort()).toEqual([...items].sort());

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
    expect(phone.cookieHeader, 'a new session id on sign-in').not.toBe(before);
    expect((await phone.json(`${b.url}/api/session`)).body).toEqual({
      user: 'alice',
      count: 2,
      cart: expect.any(Array),
      flash: ['Welcome, alice'],
    });
    expect((await phone.json(`${a.url}/api/session`)).body).toMatchObject({ user: 'alice', flash: [] });
    const old = await new DemoClient().json(`${a.url}/api/session`, 'GET', undefined, { cookie: before });
    expect(old.body, 'the id before sign-in no longer works').toEqual(EMPTY);

    const laptop = new DemoClient();
    await laptop.json(`${b.url}/api/login`, 'POST', { username: 'alice', password: 'alice-secret' });
    const listed = await phone.json(`${a.url}/api/sessions`);
    expect(listed.status).toBe(200);
    const sessions = listed.body as Array<{ current: boolean; createdAt: string }>;
    expect(sessions).toHaveLength(2);
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    for (const s of sessions) {
      expect(Object.keys(s).sort()).toEqual(['createdAt', 'current']);
      expect(new Date(s.createdAt).toISOString()).toBe(s.createdAt);
    }
    expect((await laptop.json(`${b.url}/api/sessions/revoke-others`, 'POST')).body).toEqual({ revoked: 1 });
    expect((await phone.json(`${a.url}/api/session`)).body, 'the phone is signed out').toEqual(EMPTY);

    const out = await laptop.json(`${a.url}/api/logout`, 'POST');
    expect(out.status).toBe(204);
    expect(out.body).toBeNull();
    const [cleared] = out.response.headers.getSetCookie();
    expect(cleared).toMatch(/^session=;.*Max-Age=0/i);
    expect(laptop.cookieHeader).toBe('');
    expect((await laptop.json(`${b.url}/api/session`)).body).toEqual(EMPTY);
  });

  it('keeps one session across two processes on one store', async () => {
    await expect(checkSharedSession([a.url, b.url, a.url])).resolves.toHaveLength(5);
  });

  it('refuses unsafe API requests from a foreign Origin (403) and form posts without a token; serves its own', async () => {
    const client = new DemoClient();
    await client.json(`${a.url}/api/count`, 'POST');
    for (const path of ['/api/count', '/api/cart', '/api/login', '/api/logout']) {
      const foreign = await client.json(`${a.url}${path}`, 'POST', { item: 'x' }, { origin: FOREIGN });
      expect(foreign.status, path).toBe(403);
      expect(foreign.body).toEqual({ error: expect.any(String) });
    }
    const form = await client.request(`${a.url}/api/count`, {
      method: 'POST',
      headers: { origin: a.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(form.status, 'a form post without the _csrf token').toBe(403);
    expect((await client.json(`${a.url}/api/session`)).body).toMatchObject({ count: 1 });
    const same = await client.json(`${a.url}/api/count`, 'POST', undefined, { origin: a.url });
    expect(same.body).toEqual({ count: 2 });
  });

  it('answers JSON 404s for unknown API routes', async () => {
    for (const method of ['GET', 'POST']) {
      const { status, body } = await new DemoClient().json(`${a.url}/api/nope/deeper`, method);
      expect(status).toBe(404);
      expect(body).toEqual({ error: expect.any(String) });
    }
  });

  it('Server Actions: sign in, increment and add through form posts; the page shows it; a cross-site post is refused', async () => {
    const browser = new DemoClient();
    let page = await (await browser.request(`${a.url}/`)).text();
    const wrong = await browser.request(
      `${a.url}/`,
      actionPost(actionOf(page, 'login'), { username: 'bob', password: 'nope' }, a.url),
    );
    expect(wrong.status).toBe(303);
    page = await (await browser.request(`${a.url}/`)).text();
    expect(page).toContain('Wrong username or password.');
    expect(page).toContain('data-test="user-none"');
    const before = browser.cookieHeader;

    const signIn = await browser.request(
      `${a.url}/`,
      actionPost(actionOf(page, 'login'), { username: 'bob', password: 'bob-secret' }, a.url),
    );
    expect(signIn.status).toBe(303);
    expect(signIn.headers.get('location')).toBe('/');
    expect(browser.cookieHeader, 'a new session id on sign-in').not.toBe(before);
    page = await (await browser.request(`${b.url}/`)).text();
    expect(text(page, 'user')).toBe('bob');
    expect(page).toContain('Welcome, bob');
    expect(page, 'the flash shows once').not.toContain('Wrong username or password.');
    page = await (await browser.request(`${a.url}/`)).text();
    expect(page, 'and only once').not.toContain('Welcome, bob');

    const counted = await browser.request(`${a.url}/`, actionPost(actionOf(page, 'increment'), {}, a.url));
    expect(counted.status).toBe(303);
    const added = await browser.request(
      `${b.url}/`,
      actionPost(actionOf(page, 'add'), { item: 'scarf' }, b.url),
    );
    expect(added.status).toBe(303);
    const empty = await browser.request(`${a.url}/`, actionPost(actionOf(page, 'add'), { item: '' }, a.url));
    expect(empty.status).toBe(303);
    page = await (await browser.request(`${a.url}/`)).text();
    expect(text(page, 'count')).toBe('1');
    expect(page).toMatch(/data-test="cart"><li>scarf<\/li><\/ul>/);
    expect(page).toContain('The item must be a text of 1 to 64 characters.');
    expect(page.match(/data-test="session"/g)).toHaveLength(1);

    // Next's own Origin check: a cross-site action post never runs.
    const forged = await browser.request(`${a.url}/`, actionPost(actionOf(page, 'increment'), {}, FOREIGN));
    expect(forged.status).toBeGreaterThanOrEqual(400);
    expect(forged.headers.getSetCookie()).toEqual([]);
    expect((await browser.json(`${a.url}/api/session`)).body).toMatchObject({ user: 'bob', count: 1 });

    const out = await browser.request(`${a.url}/`, actionPost(actionOf(page, 'logout'), {}, a.url));
    expect(out.status).toBe(303);
    expect(browser.cookieHeader, 'the cookie is expired').toBe('');
    expect(text(await (await fetch(`${a.url}/`)).text(), 'user-none')).toBeDefined();
  });

  it('proxy.ts slides the cookie on page navigations, at most once per touch interval, never on /healthz', async () => {
    // SESSION_IDLE_TIMEOUT=10: the touch interval is a tenth of it, one second.
    const demo = await start({ ...env, SESSION_IDLE_TIMEOUT: '10' });
    try {
      const client = new DemoClient();
      const first = await client.json(`${demo.url}/api/count`, 'POST');
      const [issued] = first.response.headers.getSetCookie();
      expect(issued).toMatch(/Max-Age=10\b/);
      const early = await client.request(`${demo.url}/`);
      expect(early.headers.getSetCookie(), 'within the touch interval').toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 1_200)); // the one real wait
      expect((await client.request(`${demo.url}/healthz`)).headers.getSetCookie()).toEqual([]);
      const [refreshed] = (await client.request(`${demo.url}/`)).headers.getSetCookie();
      expect(refreshed, 'the page navigation refreshed the cookie').toMatch(/Max-Age=10\b/);
      expect(refreshed?.split(';')[0]).toBe(issued?.split(';')[0]); // same session, same id
    } finally {
      await demo.stop();
    }
  });

  it('refuses to start without SESSION_SECRET, saying what to set', async () => {
    const refused = await start({
      SESSION_SECRET: '',
      DEMO_INSECURE_DEV_SECRET: '',
      SESSION_STORE: 'memory',
    }).then(
      async (started) => `it started: ${started.url} (${await started.stop()})`,
      (error: Error) => error.message,
    );
    expect(refused).toContain('exited (1) before listening');
    expect(refused).toMatch(/SESSION_SECRET is not set.*DEMO_INSECURE_DEV_SECRET=1/s);
  });

  it('answers 503 JSON while the store is down; /healthz and a cookie-less page still answer', async () => {
    const port = await freePort(); // nothing listens there
    const down = await start({
      SESSION_SECRET: SECRET,
      SESSION_STORE: 'redis',
      REDIS_URL: `redis://demo:next-redis-password@127.0.0.1:${port}`,
    });
    try {
      const visitor = new DemoClient();
      const write = await visitor.json(`${down.url}/api/count`, 'POST');
      expect(write.status).toBe(503);
      expect(write.body).toEqual({ error: expect.any(String) });
      expect(write.response.headers.getSetCookie()).toEqual([]);
      // A visitor with a session (same secret, made on a healthy instance) cannot even read it.
      const known = new DemoClient();
      await known.json(`${a.url}/api/count`, 'POST');
      const read = await known.json(`${down.url}/api/session`);
      expect(read.status).toBe(503);
      expect(read.body).toEqual({ error: expect.any(String) });
      expect((await fetch(`${down.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${down.url}/`)).status, 'no cookie, no store read').toBe(200);
      expect(down.output()).not.toMatch(/\n\s+at /); // no stack traces for an outage of the API
      // The page of a visitor with a session goes through Next's error path (the browser renders
      // error.tsx from the error's digest), saying nothing about the store's internals.
      const page = await known.request(`${down.url}/`);
      expect(page.status).toBe(500);
      const html = await page.text();
      expect(html).toMatch(/digest[\\"]*:[\\"]*\d+/);
      expect(html).not.toMatch(/Session store|ECONNREFUSED|redis:/i);
      // The failing Redis is named by its address, never with the credentials of REDIS_URL.
      expect(down.output()).toContain(`redis at redis://127.0.0.1:${port}:`);
      expect(down.output()).not.toContain('next-redis-password');
    } finally {
      expect(await down.stop()).toBe(0);
    }
  });

  it('serves the scenario app under /__scenarios only with DEMO_SCENARIO_ROUTES=1', async () => {
    expect((await fetch(`${a.url}/__scenarios/none`)).status).toBe(404);
    const demo = await start({ ...env, DEMO_SCENARIO_ROUTES: '1' });
    try {
      const none = await fetch(`${demo.url}/__scenarios/none`);
      expect(none.status).toBe(200);
      expect(await none.text()).toBe('none');
      expect(none.headers.getSetCookie()).toEqual([]);
      const client = new DemoClient();
      expect((await client.json(`${demo.url}/__scenarios/increment?key=n`, 'POST')).body).toEqual({
        value: 1,
      });
      expect((await client.json(`${demo.url}/__scenarios/get?key=n`)).body).toEqual({ value: 1 });
      expect((await client.json(`${demo.url}/__scenarios/nope`)).status).toBe(404);
    } finally {
      await demo.stop();
    }
  });

  it('exits 1 with one clear line when its port is taken', async () => {
    const attempt = start({ ...env, PORT: new URL(a.url).port });
    await expect(attempt).rejects.toThrow(
      /exited \(1\) before listening[\s\S]*demo: cannot listen: .*EADDRINUSE/,
    );
  });

  it('closes the server, the managers and the store on SIGTERM and exits 0', async () => {
    const demo = await start(env);
    expect((await new DemoClient().json(`${demo.url}/api/count`, 'POST')).status).toBe(200);
    expect(await demo.stop()).toBe(0);
    expect(demo.output()).toContain('demo: closed');
  });
});
