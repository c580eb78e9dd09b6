// THREATS.md, Identity: hostile Cookie headers sent over real HTTP to every adapter. Core's own
// properties (packages/core/src/properties.test.ts) prove the parser; these prove the whole stack
// around it: the framework's header handling, the adapter, the error path.
import { CookieClient, type CountingStore, countingStore } from '@cloakroom/session-adapter-test';
import { memoryStore } from '@cloakroom/session-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, appOptions, type RunningApp, startApp } from './apps.ts';
import { forgeriesOf, hostileHeader, utf8 } from './hostile-headers.ts';
import { rawCookieRequest } from './http.ts';

describe.each(ADAPTERS)('%s: hostile Cookie headers over HTTP', (adapter) => {
  let app: RunningApp;
  let store: CountingStore;
  let forgeries: string[] = [];

  beforeAll(async () => {
    store = countingStore(memoryStore({ warn: false }));
    app = await startApp(adapter, appOptions({ store }));
    // One real session, so forgeries of a real signed value are in the mix.
    const client = new CookieClient(app.baseUrl);
    expect((await client.post('/write?key=a&value=1')).status).toBe(200);
    forgeries = forgeriesOf(client.cookie.slice('sid='.length));
  });
  afterAll(async () => {
    await app?.close();
  });

  it('never answer 5xx, never set a cookie, never look a value up in the store, and keep serving', async () => {
    store.resetCalls();
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(hostileHeader(forgeries), async (header) => {
        const reply = await rawCookieRequest(app.port, '/read?key=a', header);
        seen.set(reply.status, (seen.get(reply.status) ?? 0) + 1);
        // 200 with no session, or the framework's refusal of a malformed or oversized head.
        expect([200, 400, 431], reply.text.slice(0, 300)).toContain(reply.status);
        expect(reply.text).not.toMatch(/^set-cookie:/im);
        // (chunked or not: the body is the no-session answer)
        if (reply.status === 200) expect(reply.text).toMatch(/\r\n\r\n(?:[0-9a-f]+\r\n)?\{"value":null\}/);
      }),
      { numRuns: 250 },
    );
    // The generator reached both sides: headers the app read (200) and heads the framework refused.
    expect(seen.get(200) ?? 0, `statuses seen: ${[...seen]}`).toBeGreaterThan(100);
    expect((seen.get(400) ?? 0) + (seen.get(431) ?? 0), `statuses seen: ${[...seen]}`).toBeGreaterThan(0);
    expect(store.calls(), `no lookups for unverifiable values (statuses seen: ${[...seen]})`).toEqual(
      expect.objectContaining({ get: 0, create: 0, set: 0, compareAndSet: 0, touch: 0, delete: 0 }),
    );
    const client = new CookieClient(app.baseUrl);
    expect((await client.post('/write?key=a&value=2')).status, 'still serving').toBe(200);
    expect((await client.get('/read?key=a')).body).toEqual({ value: '2' });
  }, 60_000);

  it('a valid signed cookie under a name padded with a Unicode space (NBSP) is no session', async () => {
    // A sibling subdomain can set '\u00a0sid' (or '\u00a0__Host-…') with a Domain; JavaScript's trim()
    // strips U+00A0, RFC 6265 trims only SP and HTAB. Node reads header bytes as Latin-1: 0xA0 is U+00A0.
    const client = new CookieClient(app.baseUrl);
    expect((await client.post('/write?key=a&value=mine')).status).toBe(200);
    const pair = Buffer.from(client.cookie, 'latin1');
    const nbsp = Buffer.from([0xa0]);
    store.resetCalls();
    for (const header of [
      Buffer.concat([nbsp, pair]),
      Buffer.concat([Buffer.from('x=1; '), nbsp, pair]),
      Buffer.from(client.cookie.replace('=', '\u00a0='), 'latin1'),
    ]) {
      const reply = await rawCookieRequest(app.port, '/read?key=a', header);
      expect(reply.status, reply.text.slice(0, 200)).toBe(200);
      expect(reply.text).toMatch(/\{"value":null\}/);
    }
    expect(store.calls().get, 'never looked up').toBe(0);
    // The same cookie, padded with SP and HTAB only, is ours.
    const proper = await rawCookieRequest(
      app.port,
      '/read?key=a',
      Buffer.from(` \t${client.cookie}`, 'latin1'),
    );
    expect(proper.text).toMatch(/\{"value":"mine"\}/);
  });

  it('answers an oversized Cookie header with 431 or 400, never a 500, and stays up', async () => {
    store.resetCalls();
    for (const size of [20_000, 64_000, 1_000_000]) {
      const header = utf8(`sid=${'x'.repeat(size)}`);
      const reply = await rawCookieRequest(app.port, '/read?key=a', header);
      expect([400, 431], `${size} bytes: ${reply.text.slice(0, 200)}`).toContain(reply.status);
    }
    const many = utf8(Array.from({ length: 5_000 }, (_, i) => `c${i}=${i}`).join('; '));
    expect([400, 431]).toContain((await rawCookieRequest(app.port, '/read?key=a', many)).status);
    expect(store.totalCalls()).toBe(0);
    expect((await new CookieClient(app.baseUrl).get('/read?key=a')).status).toBe(200);
  }, 30_000);
});
