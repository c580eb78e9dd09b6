// THREATS.md, Lifecycle and Faults: concurrent requests on one session, on every store with
// compare-and-set, through two app instances (two managers, two clients: two processes behind a
// balancer) so the store's compare-and-set decides, not one process's queue.
import { CookieClient } from '@cloakroom/session-adapter-test';
import type { SessionError } from '@cloakroom/session-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { appOptions, gate, type RunningApp, startApp } from './apps.ts';
import { type OpenStore, openStore, STORE_KINDS } from './stores.ts';

describe.each(STORE_KINDS)('%s: concurrent requests on one session', (kind) => {
  let opened: OpenStore;
  let first: RunningApp;
  let second: RunningApp;
  const reported: SessionError[][] = [[], []];

  beforeAll(async () => {
    opened = await openStore(kind, inject('memcachedUrl'));
    first = await startApp(
      'express',
      appOptions({ store: opened.store, onError: (e) => reported[0]!.push(e) }),
    );
    second = await startApp(
      'express',
      appOptions({ store: opened.peer, onError: (e) => reported[1]!.push(e) }),
    );
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
    await opened?.close();
  });

  it('100 parallel requests, each setting a different key, over two instances: all 100 keys survive', async () => {
    const client = new CookieClient(first.baseUrl);
    expect((await client.post('/write?key=seed&value=0')).status).toBe(200);
    const peer = client.at(second.baseUrl);
    const replies = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        (i % 2 === 0 ? client : peer).post(`/write?key=k${i}&value=${i}`),
      ),
    );
    expect(
      replies.map((r) => r.status),
      'every request answered 200 (a 503 is core giving up its compare-and-set retries: RELIABILITY.md, Known issues)',
    ).toEqual(Array(100).fill(200));
    expect(
      replies.flatMap((r) => r.setCookies.map((cookie) => cookie.raw)),
      'the session keeps its id',
    ).toEqual([]);
    const values = await Promise.all(Array.from({ length: 100 }, (_, i) => client.get(`/read?key=k${i}`)));
    expect(values.map((r) => r.body)).toEqual(Array.from({ length: 100 }, (_, i) => ({ value: String(i) })));
    expect((await peer.get('/read?key=seed')).body).toEqual({ value: '0' });
  }, 30_000);

  it.each([
    ['another instance', 1],
    ['the same instance', 0],
  ] as const)(
    'a logout on %s racing a slow write: the session stays destroyed',
    async (_, logoutOn) => {
      const apps = [first, second];
      const client = new CookieClient(first.baseUrl);
      expect((await client.post('/write?key=a&value=1')).status).toBe(200);
      const cookie = client.cookie;
      for (const list of reported) list.length = 0;

      // The write loads the session and waits at a gate; the logout lands meanwhile; then the write goes on.
      // (Ordered by events, not by sleeps: on a loaded machine a timed version let the write land first.)
      const held = gate();
      const slow = client.post(`/slow-write?key=b&value=2&gate=${held.name}`);
      await held.reached;
      const logout = await client.at(apps[logoutOn]!.baseUrl).post('/destroy');
      held.release();
      expect(logout.status).toBe(200);
      expect(logout.setCookies.map((cookie) => cookie.raw).join(), 'the cookie is expired').toMatch(
        /^sid=;|max-age=0|expires=thu, 01 jan 1970/i,
      );
      const write = await slow;
      expect(write.status, 'the slow request still answers').toBeLessThan(500);

      for (const app of apps) {
        const stale = new CookieClient(app.baseUrl);
        stale.cookie = cookie;
        expect(
          (await stale.get('/read?key=a')).body,
          `old cookie on ${app === first ? 'first' : 'second'}`,
        ).toEqual({ value: null });
        expect((await stale.get('/read?key=b')).body, 'the late write did not bring it back').toEqual({
          value: null,
        });
      }
      expect(
        reported.flat().map((e) => e.code),
        'the dropped write is reported',
      ).toContain('SESSION_WRITE_DROPPED');
    },
    30_000,
  );
});
