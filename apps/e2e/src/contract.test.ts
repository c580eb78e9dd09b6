// The JSON and form contract of issue 8, over HTTP, against each demo's built output on its default
// (SQLite) store. Every assertion is something a client can observe.

import { CookieClient } from '@cloakroom/session-adapter-test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeContract } from './contract.ts';
import { describeDemos, onlyCookie, type SqliteRun, startOnSqlite, storedSessions } from './fixtures.ts';
import { type RunningDemo, startDemo } from './harness.ts';

describeDemos('the issue 8 contract over HTTP (SQLite store)', (demo) => {
  let run: SqliteRun;
  let baseUrl: string;

  beforeAll(async () => {
    run = await startOnSqlite(demo);
    baseUrl = run.apps[0]!.baseUrl;
  }, 60_000);
  afterAll(() => run?.close(), 30_000);

  describeContract(demo, () => ({ baseUrl, stored: async () => storedSessions(run.file) }));

  describe('without SESSION_SECRET', () => {
    it('refuses to start: it exits non-zero saying what to set', async () => {
      const refused = await startDemo(demo, { SESSION_STORE: 'memory', SESSION_SECRET: undefined }).then(
        async (started) => `it started on ${started.baseUrl} (${JSON.stringify(await started.stop())})`,
        (error: Error) => error.message,
      );
      expect(refused).toMatch(/exited \(code [1-9]\d*\) before it was ready/);
      expect(refused).toMatch(/SESSION_SECRET is not set.*DEMO_INSECURE_DEV_SECRET=1/s);
    }, 60_000);
  });

  describe('with DEMO_INSECURE_DEV_SECRET=1, SESSION_SECRET and SESSION_COOKIE_SECURE unset', () => {
    let app: RunningDemo | undefined;
    beforeAll(async () => {
      app = await startDemo(demo, {
        SESSION_STORE: 'memory',
        SESSION_SECRET: undefined,
        DEMO_INSECURE_DEV_SECRET: '1',
        SESSION_COOKIE_SECURE: undefined,
      });
    }, 60_000);
    afterAll(() => app?.stop(), 30_000);

    it('warns that it uses a development secret, and the cookie is Secure with the __Host- prefix', async () => {
      expect(app!.output()).toMatch(/DEMO_INSECURE_DEV_SECRET=1 uses a published development secret/);
      const reply = await new CookieClient(app!.baseUrl).post('/api/count');
      expect(reply.status, reply.text).toBe(200);
      const cookie = onlyCookie(reply);
      expect(cookie.name).toMatch(/^__Host-/);
      expect(cookie.attributes.has('secure')).toBe(true);
      expect(cookie.attributes.get('path')).toBe('/');
      expect(cookie.attributes.has('domain')).toBe(false);
    });
  });

  describe('the process', () => {
    it('stops on SIGTERM', async () => {
      const exit = await run.apps[0]!.stop();
      expect(exit.forced, `it ignored SIGTERM for 5 s\n${run.apps[0]!.output()}`).toBe(false);
    });
  });
});
