// A real browser through each demo's page: Chromium driven by playwright-core, only through what a
// person sees (button labels) and the page's data-test attributes (apps/demo-kit/src/page.ts), so a demo
// that renders its own page (Next's, through Server Actions) matches by keeping the same attributes.
import { type Browser, type BrowserContext, chromium, type Page, selectors } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDemos, type SqliteRun, startOnSqlite } from './fixtures.ts';
import { requireChromium } from './harness.ts';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

let browser: Browser | undefined;

/** Waits for what a click changes (a redirect and a new page, or a Server Action's refresh). */
const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 10_000, interval: 50 });

/** One Chromium for the file (playwright gives it a fresh temporary profile); contexts per demo. */
async function launch(): Promise<Browser> {
  if (browser !== undefined) return browser;
  const executablePath = requireChromium();
  selectors.setTestIdAttribute('data-test');
  browser = await chromium.launch({ executablePath, headless: true, args: ARGS, timeout: 30_000 });
  return browser;
}

afterAll(async () => {
  await browser?.close();
}, 30_000);

async function open(context: BrowserContext, baseUrl: string): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(baseUrl);
  return page;
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByPlaceholder('username').fill(username);
  await page.getByPlaceholder('password').fill(password);
  await page.getByTestId('login').click();
  await page.getByTestId('user').waitFor();
}

describeDemos('in Chromium (SQLite store)', (demo) => {
  let run: SqliteRun;
  let contexts: BrowserContext[] = [];
  beforeAll(async () => {
    // Both at once, and both settled before failing, so afterAll stops the demo even when Chromium
    // could not start.
    const [started, launched] = await Promise.allSettled([startOnSqlite(demo), launch()]);
    if (started.status === 'fulfilled') run = started.value;
    for (const result of [started, launched]) if (result.status === 'rejected') throw result.reason;
  }, 60_000);
  afterAll(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    await run?.close();
  }, 30_000);

  it('signs in, increments, adds to the cart, sees the flash once, signs out other devices, and signs out', async () => {
    const baseUrl = run.apps[0]!.baseUrl;
    const laptop = await browser!.newContext();
    const phone = await browser!.newContext();
    contexts = [laptop, phone];
    const page = await open(laptop, baseUrl);
    expect(await page.title()).toContain(demo.framework);
    await page.getByTestId('user-none').waitFor();
    const apiForms = await page.locator('form[action^="/api/"]').count();
    if ((demo.forms ?? 'api') === 'api')
      expect(apiForms, 'the forms post to the JSON API').toBeGreaterThan(0);
    else expect(apiForms, 'every form goes through a Server Action').toBe(0);

    // A wrong password: the page says so and nobody is signed in.
    await page.getByPlaceholder('username').fill('alice');
    await page.getByPlaceholder('password').fill('not-her-password');
    await page.getByTestId('login').click();
    await poll(() => page.getByTestId('flash').textContent()).toMatch(/wrong username or password/i);
    await page.getByTestId('user-none').waitFor();

    // Sign in: the welcome shows once, on the page the sign-in lands on.
    await signIn(page, 'alice', 'alice-secret');
    expect(await page.getByTestId('user').textContent()).toBe('alice');
    expect(await page.getByTestId('flash').textContent()).toContain('Welcome, alice');
    const [cookie, ...others] = await laptop.cookies(baseUrl);
    expect(others, 'one session cookie').toEqual([]);
    expect(cookie!.httpOnly).toBe(true);
    expect(cookie!.sameSite).toBe('Lax');

    await page.getByTestId('increment').click();
    await poll(() => page.getByTestId('count').textContent()).toBe('1');
    expect(await page.getByTestId('flash').count(), 'the flash is gone after one showing').toBe(0);
    await page.getByTestId('increment').click();
    await poll(() => page.getByTestId('count').textContent()).toBe('2');

    await page.getByPlaceholder('item').fill('scarf');
    await page.getByTestId('add').click();
    await poll(() => page.getByTestId('cart').textContent()).toContain('scarf');
    await page.getByPlaceholder('item').fill('umbrella');
    await page.getByTestId('add').click();
    await expect
      .poll(() => page.getByTestId('cart').locator('li').allTextContents())
      .toEqual(['scarf', 'umbrella']);

    // A second device signs in as alice and signs the first one out.
    const other = await open(phone, baseUrl);
    await signIn(other, 'alice', 'alice-secret');
    await page.reload();
    expect(await page.getByTestId('session').count(), 'the laptop sees both sessions').toBe(2);
    await poll(() => other.getByTestId('session').count()).toBe(2);
    await other.getByTestId('revoke').click();
    await poll(() => other.getByTestId('session').count()).toBe(1);
    expect(await other.getByTestId('user').textContent()).toBe('alice');
    await page.reload();
    await page.getByTestId('user-none').waitFor();
    expect(await page.getByTestId('count').textContent(), "the laptop's session is gone").toBe('0');

    // Sign out: the page says so and the browser no longer holds that session's cookie.
    const [signedIn] = (await phone.cookies(baseUrl)).filter((item) => item.name === cookie!.name);
    expect(signedIn).toBeDefined();
    await other.getByTestId('logout').click();
    await other.getByTestId('user-none').waitFor();
    expect(await other.getByTestId('count').textContent()).toBe('0');
    const left = await phone.cookies(baseUrl);
    expect(left.map((item) => item.value)).not.toContain(signedIn!.value);
  }, 60_000);
});
