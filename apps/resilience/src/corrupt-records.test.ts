// THREATS.md, Data: a record that cannot be decoded is treated as absent and reported through the error
// hook; the request continues with a fresh session. Planted under a live session's key in every store.
import { randomBytes } from 'node:crypto';
import { CookieClient } from '@cloakroom/session-adapter-test';
import type { SessionError } from '@cloakroom/session-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { appOptions, type RunningApp, startApp } from './apps.ts';
import { keyed, type OpenStore, openStore, STORE_KINDS } from './stores.ts';

/** Ways a stored record can be broken, from the record the store really holds. */
const CORRUPTIONS: ReadonlyArray<[string, (real: string) => string]> = [
  ['truncated JSON', (real) => real.slice(0, Math.floor(real.length / 2))],
  ['a wrong version field', (real) => JSON.stringify({ ...(JSON.parse(real) as object), v: 2 })],
  [
    'no version field',
    (real) => {
      const { v: _v, ...rest } = JSON.parse(real) as Record<string, unknown>;
      return JSON.stringify(rest);
    },
  ],
  ['data that is not an object', (real) => JSON.stringify({ ...(JSON.parse(real) as object), d: ['x'] })],
  // No NUL: PostgreSQL text refuses it, and core's JSON codec never writes one (JSON escapes it).
  ['binary garbage', () => Buffer.from(randomBytes(64).map((byte) => byte || 1)).toString('latin1')],
  ['an empty string', () => ''],
  ['JSON null', () => 'null'],
];

describe.each(STORE_KINDS)('%s: corrupt records', (kind) => {
  let opened: OpenStore;
  let app: RunningApp;
  let created: string[];
  const reported: SessionError[] = [];

  beforeAll(async () => {
    opened = await openStore(kind, inject('memcachedUrl'));
    const watched = keyed(opened.store);
    created = watched.created;
    app = await startApp(
      'express',
      appOptions({ store: watched.store, onError: (error) => reported.push(error) }),
    );
  });
  afterAll(async () => {
    await app?.close();
    await opened?.close();
  });

  it.each(CORRUPTIONS)(
    '%s: the request gets a fresh session, the error hook fires, the app keeps serving',
    async (_, corrupt) => {
      const client = new CookieClient(app.baseUrl);
      // A distinctive payload near the record's start, where a parser's error message would quote it.
      const secret = `payload-${randomBytes(6).toString('hex')}`;
      expect((await client.post(`/write?key=a&value=${secret}`)).status).toBe(200);
      const oldCookie = client.cookie;
      const key = created.at(-1)!;
      const stored = await opened.peer.get(key);
      expect(stored, 'the session was written').not.toBeNull();
      const now = Date.now();
      await opened.peer.set(key, {
        data: corrupt(stored!.data),
        expiresAt: now + 600_000,
        absoluteExpiresAt: now + 3_600_000,
        userId: null,
      });
      reported.length = 0;

      const read = await client.get('/read?key=a');
      expect(read.status).toBe(200);
      expect(read.body, 'treated as no session').toEqual({ value: null });
      expect(reported.length, 'the error hook fired').toBeGreaterThan(0);
      const told = reported.map((e) => [e.message, String(e.cause), (e.cause as Error | undefined)?.stack]);
      expect(JSON.stringify(told), 'no session payload in the report').not.toContain(secret);

      const write = await client.post('/write?key=b&value=2');
      expect(write.status).toBe(200);
      expect(client.cookie, 'a fresh session id').not.toBe(oldCookie);
      expect((await client.get('/read?key=b')).body).toEqual({ value: '2' });
      expect((await client.get('/read?key=a')).body, 'nothing of the corrupt record survives').toEqual({
        value: null,
      });
    },
  );
});
