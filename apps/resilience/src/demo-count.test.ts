// THREATS.md, Faults ("concurrent requests that change different keys of one session all survive") and
// DESIGN.md, Concurrency: 100 parallel `POST /api/count` on one session raise the count by exactly 100,
// on every store with compare-and-set, through two instances of the demo API with their own clients.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CookieClient } from '@cloakroom/session-adapter-test';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type DemoApp, startDemoApp } from './demo-app.ts';
import { MYSQL_URL, PG_URL, REDIS_URL } from './servers.ts';

const dir = mkdtempSync(join(tmpdir(), 'cr-resilience-count-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STORES: ReadonlyArray<[string, () => Record<string, string>, number]> = [
  // Memory sessions live in one process: one instance.
  ['memory', () => ({ SESSION_STORE: 'memory' }), 1],
  ['redis', () => ({ SESSION_STORE: 'redis', REDIS_URL }), 2],
  ['memcached', () => ({ SESSION_STORE: 'memcached', MEMCACHED_URL: inject('memcachedUrl') }), 2],
  ['postgres', () => ({ SESSION_STORE: 'postgres', PG_URL }), 2],
  ['mysql', () => ({ SESSION_STORE: 'mysql', MYSQL_URL }), 2],
  ['sqlite', () => ({ SESSION_STORE: 'sqlite', SESSION_SQLITE_FILE: join(dir, 'sessions.db') }), 2],
];

describe.each(STORES)('%s: POST /api/count in parallel', (_, env, instances) => {
  it('100 parallel increments on one session raise the count by exactly 100', async () => {
    const apps: DemoApp[] = [];
    try {
      for (let i = 0; i < instances; i++) apps.push(await startDemoApp(env()));
      const client = new CookieClient(apps[0]!.baseUrl);
      expect((await client.post('/api/count')).body).toEqual({ count: 1 });
      const clients = apps.map((app) => client.at(app.baseUrl));
      const replies = await Promise.all(
        Array.from({ length: 100 }, (_, i) => clients[i % clients.length]!.post('/api/count')),
      );
      const failed = replies.filter((r) => r.status !== 200);
      expect(
        failed.map((r) => [r.status, r.body]),
        'every increment answered 200',
      ).toEqual([]);
      for (const other of clients) {
        expect(((await other.get('/api/session')).body as { count: number }).count).toBe(101);
      }
    } finally {
      for (const app of apps) await app.close();
    }
  }, 60_000);
});
