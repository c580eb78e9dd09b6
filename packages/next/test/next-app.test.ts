import { type ParsedSetCookie, parseSetCookie, scenarioOptions } from '@cloakroom/session-adapter-test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AppServer,
  appClock,
  reported,
  resetStoreCalls,
  startApp,
  storeCalls,
} from '../src/testing/app-server.ts';

// What the shared scenarios do not cover: Server Components, proxy.ts, the cookies() commit path of
// Server Actions, thrown redirects and the Pages Router, against the real app under `next start`.

let app: AppServer;
let clock: Awaited<ReturnType<typeof appClock>>;
const NAME = scenarioOptions.cookie.name;

beforeAll(async () => {
  app = await startApp({ TEST_APP_STORE: 'memory' });
  clock = await appClock(app.baseUrl);
});

afterAll(async () => {
  await app?.close();
});

interface Sent {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
  readonly cookies: ParsedSetCookie[];
}

async function send(
  method: string,
  path: string,
  init: { cookie?: string; json?: unknown; headers?: Record<string, string> } = {},
): Promise<Sent> {
  const headers = new Headers(init.headers);
  if (init.cookie !== undefined) headers.set('cookie', `${NAME}=${init.cookie}`);
  if (init.json !== undefined) headers.set('content-type', 'application/json');
  const response = await fetch(`${app.baseUrl}${path}`, {
    method,
    headers,
    redirect: 'manual',
    ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
  });
  const body = await response.text();
  const cookies = response.headers
    .getSetCookie()
    .map(parseSetCookie)
    .filter((cookie) => cookie.name === NAME);
  return { status: response.status, headers: response.headers, body, cookies };
}

function only(sent: Sent): ParsedSetCookie {
  expect(sent.cookies, `one Set-Cookie for ${NAME}`).toHaveLength(1);
  return sent.cookies[0]!;
}

const idOf = (value: string): string => value.split('.')[0]!;

async function start(data: Record<string, unknown>): Promise<string> {
  const sent = await send('POST', '/set', { json: data });
  expect(sent.status).toBe(200);
  return only(sent).value;
}

async function value(key: string, cookie: string): Promise<unknown> {
  const sent = await send('GET', `/get?key=${key}`, { cookie });
  return (JSON.parse(sent.body) as { value: unknown }).value;
}

/** Waits (real time, bounded) for something an after() callback does once the response is sent. */
async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 3_000;
  let last = await read();
  while (!accept(last) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    last = await read();
  }
  return last;
}

function text(html: string, id: string): string {
  const match = new RegExp(`id="${id}">([^<]*)<`).exec(html);
  return (match?.[1] ?? '').replaceAll('&quot;', '"');
}

function expectSameAttributes(actual: ParsedSetCookie, expected: ParsedSetCookie): void {
  for (const name of ['path', 'domain', 'max-age', 'httponly', 'secure', 'partitioned']) {
    expect(actual.attributes.get(name), name).toEqual(expected.attributes.get(name));
  }
  expect(String(actual.attributes.get('samesite')).toLowerCase()).toBe(
    String(expected.attributes.get('samesite')).toLowerCase(),
  );
}

describe('getSession() in a Server Component', () => {
  it('reads the session, and a consumed flash message is saved after the response without a cookie', async () => {
    const cookie = await start({ greeting: 'hello' });
    expect((await send('POST', '/flash', { cookie, json: { message: 'saved' } })).status).toBe(200);
    await resetStoreCalls(app.baseUrl);
    const page = await send('GET', '/rsc/show', { cookie });
    expect(page.status).toBe(200);
    expect(text(page.body, 'exists')).toBe('true');
    expect(text(page.body, 'greeting')).toBe('hello');
    expect(JSON.parse(text(page.body, 'flash'))).toEqual(['saved']);
    expect(page.cookies).toEqual([]);
    const counts = await eventually(
      () => storeCalls(app.baseUrl),
      (calls) => calls.compareAndSet + calls.set > 0,
    );
    expect(counts.compareAndSet + counts.set, 'the flash removal is saved by after()').toBe(1);
    expect(JSON.parse((await send('GET', '/flash', { cookie })).body)).toEqual({ messages: [] });
  });

  it('without a session: reads work and nothing touches the store', async () => {
    await resetStoreCalls(app.baseUrl);
    const page = await send('GET', '/rsc/show');
    expect(page.status).toBe(200);
    expect(text(page.body, 'exists')).toBe('false');
    expect(page.cookies).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const counts = await storeCalls(app.baseUrl);
    expect(Object.values(counts).reduce((sum, count) => sum + count, 0)).toBe(0);
  });

  it('a write that would start a session throws SESSION_COOKIE_READONLY, saying where writes belong', async () => {
    await resetStoreCalls(app.baseUrl);
    const page = await send('GET', '/rsc/write');
    expect(page.status).toBe(200);
    const outcome = text(page.body, 'outcome');
    expect(outcome).toMatch(/^SESSION_COOKIE_READONLY: /);
    expect(outcome).toContain('Server Component cannot set cookies');
    expect(outcome).toContain('Server Action');
    expect(outcome).toContain('Route Handler');
    expect(page.cookies).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const counts = await storeCalls(app.baseUrl);
    expect(counts.create + counts.set + counts.compareAndSet).toBe(0);
  });

  it('a write to an existing session is saved after the response, without a cookie', async () => {
    const cookie = await start({ greeting: 'hi' });
    const page = await send('GET', '/rsc/write?value=from-page', { cookie });
    expect(text(page.body, 'outcome')).toBe('written');
    expect(page.cookies).toEqual([]);
    expect(
      await eventually(
        () => value('rsc', cookie),
        (seen) => seen === 'from-page',
      ),
    ).toBe('from-page');
  });

  it('every component of one render shares one session and one store read', async () => {
    const cookie = await start({ greeting: 'shared', count: 7 });
    await resetStoreCalls(app.baseUrl);
    const page = await send('GET', '/plain', { cookie });
    expect(text(page.body, 'greeting')).toBe('shared');
    expect(text(page.body, 'count')).toBe('7');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await storeCalls(app.baseUrl)).get).toBe(1);
  });

  it('regenerate() fails the render with the explanatory error, and the session is unchanged', async () => {
    const cookie = await start({ keep: 'me' });
    const page = await send('GET', '/rsc/regenerate', { cookie });
    expect(page.status).toBe(500);
    expect(page.cookies).toEqual([]);
    expect(page.body).not.toContain('SessionError');
    expect(app.output()).toContain('session.regenerate() needs to set the session cookie');
    expect(await value('keep', cookie)).toBe('me');
  });

  it('a due touch waits for a response that can carry the cookie: the store expiry never outruns it', async () => {
    const cookie = await start({ greeting: 'slide' });
    await clock.advance((scenarioOptions.touchInterval + 1) * 1000);
    await resetStoreCalls(app.baseUrl);
    const page = await send('GET', '/plain', { cookie });
    expect(text(page.body, 'greeting')).toBe('slide');
    expect(page.cookies, 'a Server Component cannot refresh the cookie').toEqual([]);
    // The next navigation through the proxy makes the one and only touch, with the refreshed cookie.
    const refreshed = only(await send('GET', '/rsc/show', { cookie }));
    expect(Number(refreshed.attributes.get('max-age'))).toBe(scenarioOptions.idleTimeout);
    const counts = await storeCalls(app.baseUrl);
    // The proxy's read moved the expiry in the same store call (getAndTouch): the one and only touch.
    expect(counts.getAndTouch).toBe(1);
    expect(counts.touch).toBe(0);
    expect(counts.set + counts.compareAndSet + counts.create).toBe(0);
  });
});

describe('proxy() in proxy.ts', () => {
  it('refreshes the cookie on a navigation once touchInterval has passed, with one touch and no write', async () => {
    const cookie = await start({ greeting: 'nav' });
    await resetStoreCalls(app.baseUrl);
    const early = await send('GET', '/rsc/show', { cookie });
    expect(early.cookies, 'nothing to refresh right after the write').toEqual([]);
    await clock.advance((scenarioOptions.touchInterval + 1) * 1000);
    const due = await send('GET', '/rsc/show', { cookie });
    expect(text(due.body, 'greeting')).toBe('nav');
    const refreshed = only(due);
    expect(idOf(refreshed.value)).toBe(idOf(cookie));
    expect(Number(refreshed.attributes.get('max-age'))).toBe(scenarioOptions.idleTimeout);
    // Next's own Cache-Control for a dynamic page keeps shared caches off (its Vary replaces the proxy's).
    expect(due.headers.get('cache-control')).toContain('private');
    expect(due.headers.get('cache-control')).toContain('no-store');
    const later = await send('GET', '/rsc/show', { cookie });
    expect(later.cookies).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const counts = await storeCalls(app.baseUrl);
    // Each proxied navigation is one store call (getAndTouch); the due one moved the expiry in it, and the
    // page saw the fresh expiry: no touch call at all.
    expect(counts.getAndTouch, 'one store call per proxied navigation').toBe(3);
    expect(counts.touch, 'no separate touch').toBe(0);
    expect(counts.set + counts.compareAndSet + counts.create).toBe(0);
  });

  it('leaves prefetches alone, and requests without our cookie cost no store call', async () => {
    const cookie = await start({ greeting: 'prefetch' });
    await clock.advance((scenarioOptions.touchInterval + 1) * 1000);
    await resetStoreCalls(app.baseUrl);
    // /rsc/about never reads the session: whatever touches the store here is the proxy.
    const prefetch = await send('GET', '/rsc/about', {
      cookie,
      headers: { rsc: '1', 'next-router-prefetch': '1' },
    });
    expect(prefetch.cookies, 'a router prefetch, matched out').toEqual([]);
    const speculative = await send('GET', '/rsc/about', { cookie, headers: { 'sec-purpose': 'prefetch' } });
    expect(speculative.cookies, 'a speculative prefetch, skipped by the helper').toEqual([]);
    const anonymous = await send('GET', '/rsc/about', { headers: { cookie: 'other=1' } });
    expect(anonymous.cookies).toEqual([]);
    expect(Object.values(await storeCalls(app.baseUrl)).reduce((sum, count) => sum + count, 0)).toBe(0);
    const navigation = await send('GET', '/rsc/about', { cookie });
    expect(idOf(only(navigation).value), 'a navigation refreshes').toBe(idOf(cookie));
    expect(await storeCalls(app.baseUrl)).toEqual(
      expect.objectContaining({ get: 0, getAndTouch: 1, touch: 0, set: 0, compareAndSet: 0 }),
    );
  });

  it('a valid signed cookie under an NBSP-prefixed name is not ours: no store call, no refresh', async () => {
    const cookie = await start({ greeting: 'nbsp' });
    await clock.advance((scenarioOptions.touchInterval + 1) * 1000);
    await resetStoreCalls(app.baseUrl);
    // What a sibling subdomain can plant with a Domain attribute: JavaScript's trim() would drop the NBSP.
    const tossed = await send('GET', '/rsc/about', { headers: { cookie: `\u00a0${NAME}=${cookie}` } });
    expect(tossed.status).toBe(200);
    expect(tossed.cookies).toEqual([]);
    expect(Object.values(await storeCalls(app.baseUrl)).reduce((sum, count) => sum + count, 0)).toBe(0);
  });

  it('after a Server Component read, the proxy refreshes the cookie once, then not again within the interval', async () => {
    const cookie = await start({ greeting: 'lag' });
    await clock.advance((scenarioOptions.touchInterval + 1) * 1000);
    // /plain is outside the proxy's matcher.
    expect((await send('GET', '/plain', { cookie })).cookies).toEqual([]);
    expect(only(await send('GET', '/rsc/show', { cookie })).value).toBe(cookie);
    expect((await send('GET', '/rsc/show', { cookie })).cookies, 'not due again within the interval').toEqual(
      [],
    );
  });
});

describe('getWritableSession() and save() (the commit path of Server Actions)', () => {
  it('sets the cookie through cookies() with the attributes core produced', async () => {
    const reference = only(await send('POST', '/set', { json: { a: 1 } }));
    const sent = await send('POST', '/writable?key=w&value=one');
    expect(sent.status).toBe(200);
    expect(JSON.parse(sent.body)).toEqual({ ok: true, again: true });
    const cookie = only(sent);
    expectSameAttributes(cookie, reference);
    const expires = Date.parse(String(cookie.attributes.get('expires')));
    expect(Math.abs(expires - (Date.now() + scenarioOptions.idleTimeout * 1000))).toBeLessThan(5_000);
    expect(await value('w', cookie.value)).toBe('one');
  });

  it('redirect() from the adapter commits first: the cookie rides on the redirect', async () => {
    const sent = await send('POST', '/writable?key=r&value=two&via=redirect');
    expect(sent.status).toBe(307);
    expect(sent.headers.get('location')).toBe('/get?key=r');
    expect(await value('r', only(sent).value)).toBe('two');
  });

  it('destroy() expires the cookie with the same name, domain and path', async () => {
    const cookie = await start({ doomed: true });
    const sent = await send('POST', '/writable?op=destroy', { cookie });
    const cleared = only(sent);
    expect(cleared.value).toBe('');
    expect(Date.parse(String(cleared.attributes.get('expires')))).toBeLessThanOrEqual(Date.now());
    expect(cleared.attributes.get('path')).toBe('/');
    expect(cleared.attributes.get('domain')).toBe('localhost');
    expect(await value('doomed', cookie)).toBeNull();
  });

  it('regenerate() issues a new id and the old cookie dies', async () => {
    const cookie = await start({ keep: 'yes' });
    const renewed = only(await send('POST', '/writable?op=regenerate', { cookie })).value;
    expect(idOf(renewed)).not.toBe(idOf(cookie));
    expect(await value('keep', renewed)).toBe('yes');
    expect(await value('keep', cookie)).toBeNull();
  });
});

describe('action()', () => {
  it('commits when the action returns', async () => {
    const first = await send('POST', '/actions?item=tea');
    expect(JSON.parse(first.body)).toEqual({ cart: ['tea'] });
    const cookie = only(first).value;
    const second = await send('POST', '/actions?item=milk', { cookie });
    expect(JSON.parse(second.body)).toEqual({ cart: ['tea', 'milk'] });
    expect(await value('cart', cookie)).toEqual(['tea', 'milk']);
  });

  it('commits before a redirect() thrown inside the action', async () => {
    const sent = await send('POST', '/actions?item=jam&then=redirect');
    expect(sent.status).toBe(307);
    expect(sent.headers.get('location')).toBe('/get?key=cart');
    expect(await value('cart', only(sent).value)).toEqual(['jam']);
  });

  it('keeps the changes of an action that ends in notFound()', async () => {
    const cookie = await start({ cart: ['a'] });
    const sent = await send('POST', '/actions?item=b&then=not-found', { cookie });
    expect(sent.status).toBe(404);
    expect(await value('cart', cookie)).toEqual(['a', 'b']);
  });

  it('saves nothing when the action fails', async () => {
    const fresh = await send('POST', '/actions?item=x&then=fail');
    expect(fresh.status).toBe(500);
    expect(fresh.cookies).toEqual([]);
    const cookie = await start({ cart: ['a'] });
    expect((await send('POST', '/actions?item=x&then=fail', { cookie })).status).toBe(500);
    expect(await value('cart', cookie)).toEqual(['a']);
  });
});

describe('withSession()', () => {
  it('a session grown past maxPayloadBytes answers 413 with a JSON error, and the stored one stays', async () => {
    const cookie = await start({ name: 'ada' });
    const tooLarge = await send('POST', '/set', { cookie, json: { blob: 'x'.repeat(140_000) } });
    expect(tooLarge.status).toBe(413);
    expect(JSON.parse(tooLarge.body)).toEqual({ error: expect.stringContaining('maxPayloadBytes') });
    expect(tooLarge.cookies).toEqual([]);
    expect(await value('name', cookie), 'the session is not wedged').toBe('ada');
  });

  it("a redirect() thrown by the handler carries the cookie on Next's redirect response", async () => {
    for (const via of ['next', 'helper']) {
      const sent = await send('POST', `/thrown-redirect?value=${via}&via=${via}`);
      expect(sent.status, via).toBe(307);
      expect(await value('thrown', only(sent).value), via).toBe(via);
    }
  });

  it('a Response with immutable headers is answered as a copy that carries the session headers', async () => {
    const sent = await send('POST', '/immutable');
    expect(sent.status).toBe(302);
    expect(new URL(sent.headers.get('location')!).pathname).toBe('/get');
    expect(sent.headers.get('cache-control')).toBe('private, no-store');
    expect(await value('immutable', only(sent).value)).toBe('yes');
  });

  it('a text/plain post without the token is refused before the handler runs', async () => {
    const sent = await send('POST', '/set', { headers: { 'content-type': 'text/plain' } });
    expect(sent.status).toBe(403);
    expect(JSON.parse(sent.body)).toEqual({ error: 'Forbidden: cross-site request refused.' });
  });
});

describe('withSessionApiRoute() (Pages Router)', () => {
  it('commits before the head of res.json(), with the session headers', async () => {
    const first = await send('POST', '/api/visits', { json: {} });
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body)).toEqual({ visits: 1 });
    expect(first.headers.get('cache-control')).toBe('private, no-store');
    expect(first.headers.get('vary')?.toLowerCase()).toContain('cookie');
    const cookie = only(first).value;
    const second = await send('POST', '/api/visits', { cookie, json: {} });
    expect(JSON.parse(second.body)).toEqual({ visits: 2 });
    expect(await value('visits', cookie)).toBe(2);
  });

  it('commits before res.redirect()', async () => {
    const sent = await send('POST', '/api/visits?then=redirect', { json: {} });
    expect(sent.status).toBe(303);
    expect(sent.headers.get('location')).toBe('/get?key=visits');
    expect(await value('visits', only(sent).value)).toBe(1);
  });

  it('an early save() and the final commit set one cookie', async () => {
    const sent = await send('POST', '/api/visits?then=save', { json: {} });
    expect(sent.headers.get('x-saved')).toBe('yes');
    expect(await value('visits', only(sent).value)).toBe(1);
  });

  it('refuses a foreign Origin with 403 before the handler or the store', async () => {
    await resetStoreCalls(app.baseUrl);
    const sent = await send('POST', '/api/visits', { json: {}, headers: { origin: 'https://evil.example' } });
    expect(sent.status).toBe(403);
    expect(sent.cookies).toEqual([]);
    const counts = await storeCalls(app.baseUrl);
    expect(Object.values(counts).reduce((sum, count) => sum + count, 0)).toBe(0);
  });
});

describe('onError', () => {
  it('heard nothing unexpected during these tests', async () => {
    expect(
      (await reported(app.baseUrl)).filter((line) => !line.startsWith('SESSION_COOKIE_READONLY')),
    ).toEqual([]);
  });
});
