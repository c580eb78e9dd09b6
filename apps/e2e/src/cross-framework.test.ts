// Issue 17: one browser, one session, every framework. All the demos run at once on one store (a SQLite
// file, then a private Redis) with one secret, as `pnpm demo` runs them; cookies belong to the host, not
// the port, so Chromium sends the same session cookie to each. Signed in on one demo, the visitor is
// signed in on all of them; the count and the cart move on each; signing out on one ends it everywhere.
import { startRedisServer } from '@cloakroom/session-adapter-test';
import { type Browser, type BrowserContext, chromium, type Page, selectors } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presentDemos } from './demos.ts';
import {
  type DemoEnv,
  type RunningDemo,
  randomSecret,
  requireChromium,
  startDemo,
  tempDir,
} from './harness.ts';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--no-first-run',
];
const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 30_000, interval: 50 });

let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
}, 30_000);

async function launch(): Promise<Browser> {
  selectors.setTestIdAttribute('data-test');
  browser ??= await chromium.launch({
    executablePath: requireChromium(),
    headless: true,
    args: ARGS,
    timeout: 30_000,
  });
  return browser;
}

async function open(context: BrowserContext, baseUrl: string): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  await page.goto(baseUrl);
  return page;
}

const demos = presentDemos();

for (const store of ['sqlite', 'redis'] as const) {
  describe(`one browser session across all ${demos.length} demos (${store})`, () => {
    const running: RunningDemo[] = [];
    const cleanups: Array<() => Promise<void> | void> = [];
    let context: BrowserContext | undefined;

    beforeAll(async () => {
      let env: DemoEnv;
      if (store === 'sqlite') {
        const dir = tempDir('cross-framework');
        cleanups.push(() => dir.remove());
        env = { SESSION_STORE: 'sqlite', SESSION_SQLITE_FILE: `${dir.path}/sessions.db` };
      } else {
        const redis = await startRedisServer();
        cleanups.push(() => redis.close());
        env = { SESSION_STORE: 'redis', REDIS_URL: redis.url };
      }
      env = { ...env, SESSION_SECRET: randomSecret() };
      const started = await Promise.allSettled([
        ...demos.map((demo) => startDemo(demo, env, 60_000)),
        launch(),
      ]);
      for (const result of started.slice(0, demos.length)) {
        if (result.status === 'fulfilled') running.push(result.value as RunningDemo);
      }
      for (const result of started) if (result.status === 'rejected') throw result.reason;
      context = await browser!.newContext();
    }, 120_000);

    afterAll(async () => {
      await context?.close();
      await Promise.all(running.map((app) => app.stop()));
      for (const cleanup of cleanups.reverse()) await cleanup();
    }, 60_000);

    it('signed in on one is signed in on all; count and cart move on each; sign-out on one ends it everywhere', async () => {
      // The first page first: a visitor without a cookie gets a CSRF token in a signed cookie, and the
      // demos share the host's cookies (ports do not separate them). Six first visits in parallel would
      // each issue a token and the last Set-Cookie would win, leaving the others' forms with a token
      // that no longer matches (403), as two tabs opened at once on a first visit would. Once the
      // browser has the cookie, every demo reuses its token.
      const first = await open(context!, running[0]!.baseUrl);
      const pages = [
        first,
        ...(await Promise.all(running.slice(1).map((app) => open(context!, app.baseUrl)))),
      ];
      await first.getByPlaceholder('username').fill('bob');
      await first.getByPlaceholder('password').fill('bob-secret');
      await first.getByTestId('login').click();
      await first.getByTestId('user').waitFor();
      for (const [i, page] of pages.entries()) {
        const name = demos[i]!.name;
        await page.reload();
        expect(await page.getByTestId('user').textContent(), `${name}: the same user`).toBe('bob');
        await page.getByTestId('increment').click();
        await poll(() => page.getByTestId('count').textContent()).toBe(String(i + 1));
        await page.getByPlaceholder('item').fill(`from-${name}`);
        await page.getByTestId('add').click();
        await poll(() => page.getByTestId('cart').locator('li').count()).toBe(i + 1);
      }
      const last = pages.at(-1)!;
      await last.reload();
      expect(await last.getByTestId('cart').locator('li').allTextContents()).toEqual(
        demos.map((demo) => `from-${demo.name}`),
      );
      // Sign out on the second demo: every other one sees no user and an empty count.
      const signOut = pages[1 % pages.length]!;
      await signOut.getByTestId('logout').click();
      await signOut.getByTestId('user-none').waitFor();
      for (const [i, page] of pages.entries()) {
        await page.reload();
        await page.getByTestId('user-none').waitFor();
        expect(await page.getByTestId('count').textContent(), `${demos[i]!.name}: signed out too`).toBe('0');
      }
    }, 300_000);
  });
}
