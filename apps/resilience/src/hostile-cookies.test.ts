// THREATS.md, Identity: hostile Cookie headers sent over real HTTP to every adapter. Core's own
// properties (packages/core/src/properties.test.ts) prove the parser; these prove the whole stack
// around it: the framework's header handling, the adapter, the error path.
import { type CountingStore, countingStore, scenarioManagerOptions } from '@cloakroom/session-adapter-test';
import { memoryStore } from '@cloakroom/session-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, type RunningApp, startApp } from './apps.ts';
import { Client, rawCookieRequest } from './http.ts';

const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8');

const NAMES = [
  'sid',
  'SID',
  ' sid',
  'sid ',
  '%73id',
  '%73%69%64',
  '__Host-sid',
  '%5F%5FHost-sid',
  '__Secure-sid',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  'toString',
  'prototype',
  '',
];

/** Values shaped like ours (base64url parts joined by dots) or not shaped at all. */
const value = fc.oneof(
  fc.string({ maxLength: 120 }),
  fc.base64String({ maxLength: 120 }),
  fc
    .array(fc.stringMatching(/^[A-Za-z0-9_-]{0,60}$/), { minLength: 1, maxLength: 4 })
    .map((parts) => parts.join('.')),
  fc.constantFrom('', '"', '""', '%', '%00', '%ZZ', '\u0000', '=', ';', 's:', 'undefined', 'null', '{}'),
);
const pair = fc.tuple(fc.constantFrom(...NAMES), value).map(([name, v]) => `${name}=${v}`);

/** Any Cookie header, as bytes: text, raw bytes, hostile pairs, thousands of pairs, huge values. */
function hostileHeader(forgeries: readonly string[]): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ maxLength: 2_000 }).map(utf8) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 500 }).map(utf8) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 1_000 }) },
    { weight: 4, arbitrary: fc.array(pair, { maxLength: 60 }).map((p) => utf8(p.join('; '))) },
    {
      weight: 1,
      arbitrary: fc
        .array(fc.tuple(fc.constantFrom('a', 'sid', '__proto__', 'x'), fc.nat(99)), {
          minLength: 1_000,
          maxLength: 3_000,
        })
        .map((p) => utf8(p.map(([n, v]) => `${n}=${v}`).join(';'))),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 4_000, max: 100_000 }).map((n) => utf8(`sid=${'A'.repeat(n)}`)),
    },
    { weight: 3, arbitrary: fc.constantFrom(...forgeries).map(utf8) },
  );
}

/** Forgeries of a real cookie value: every one must fail verification before any store lookup. */
function forgeriesOf(real: string): string[] {
  const flip = (i: number): string => real.slice(0, i) + (real[i] === 'A' ? 'B' : 'A') + real.slice(i + 1);
  const dot = real.lastIndexOf('.');
  return [
    `sid=${flip(0)}`,
    `sid=${flip(dot - 1)}`,
    `sid=${flip(dot + 1)}`,
    `sid=${flip(real.length - 1)}`,
    `sid=${real.slice(0, -1)}`,
    `sid=${real}A`,
    `sid=${real}=`,
    `sid=${real}%3D`,
    `sid=${real.slice(0, dot)}`,
    `sid=${real.slice(0, dot)}.`,
    `sid=${real.slice(dot + 1)}`,
    `sid=${encodeURIComponent(real).replace(/\./g, '%2E')}`,
    `sid=${real.toLowerCase()}`,
    `sid="${real}"x`,
    // our valid value under names that are not ours: never decoded into ours, never looked up
    `%73id=${real}`,
    `SID=${real}`,
    `__proto__=${real}`,
    `__Host-sid=${real}`,
  ];
}

describe.each(ADAPTERS)('%s: hostile Cookie headers over HTTP', (adapter) => {
  let app: RunningApp;
  let store: CountingStore;
  let forgeries: string[] = [];

  beforeAll(async () => {
    store = countingStore(memoryStore({ warn: false }));
    app = await startApp(adapter, scenarioManagerOptions({ store }));
    // One real session, so forgeries of a real signed value are in the mix.
    const client = new Client(app.baseUrl);
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
        if (reply.status === 200) expect(reply.text).toMatch(/\{"value":null\}\s*$/);
      }),
      { numRuns: 250 },
    );
    expect(store.calls(), `no lookups for unverifiable values (statuses seen: ${[...seen]})`).toEqual(
      expect.objectContaining({ get: 0, create: 0, set: 0, compareAndSet: 0, touch: 0, delete: 0 }),
    );
    const client = new Client(app.baseUrl);
    expect((await client.post('/write?key=a&value=2')).status, 'still serving').toBe(200);
    expect((await client.get('/read?key=a')).body).toEqual({ value: '2' });
  }, 60_000);

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
    expect((await new Client(app.baseUrl).get('/read?key=a')).status).toBe(200);
  }, 30_000);
});
