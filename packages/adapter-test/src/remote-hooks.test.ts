import type { IncomingMessage, ServerResponse } from 'node:http';
import { memoryStore } from '@cloakroom/session-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countingStore } from './counting-store.ts';
import { controlRoutes, type RemoteHooks, remoteHooks } from './remote-hooks.ts';
import { listen, type Running } from './test-server.ts';

const PREFIX = '/__control';

describe('controlRoutes() driven by remoteHooks()', () => {
  let now = 0;
  const store = countingStore(memoryStore({ now: () => now, warn: false, sweepInterval: 0 }));
  const control = controlRoutes({
    store,
    setNow: (ms) => {
      now = ms;
    },
  });
  let server: Running;
  let hooks: RemoteHooks;

  beforeAll(async () => {
    // The control routes over a real HTTP server, the way a test build mounts them under a prefix.
    server = await listen(async (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const method = req.method ?? 'GET';
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      const request = new Request(url, { method, ...(body === undefined ? {} : { body }) });
      const response = url.pathname.startsWith(`${PREFIX}/`)
        ? await control(method, url.pathname.slice(PREFIX.length), request)
        : new Response('app', { status: 200 });
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(await response.text());
    });
    hooks = await remoteHooks(`${server.url}${PREFIX}`, 1_000_000);
  });

  afterAll(async () => {
    await server.close();
  });

  it('sets the app clock to the start, then moves it with the suite', async () => {
    expect(now).toBe(1_000_000);
    expect(hooks.clock.now()).toBe(1_000_000);
    await hooks.clock.advance(61_000);
    expect(now).toBe(1_061_000);
    expect(hooks.clock.now()).toBe(1_061_000);
    await expect(hooks.clock.advance(-1)).rejects.toThrow(RangeError);
    expect(now).toBe(1_061_000);
  });

  it('passes store calls to the app store, which counts them; the counts reset', async () => {
    await hooks.resetStoreCalls();
    const write = { data: 'one', expiresAt: now + 60_000, absoluteExpiresAt: now + 60_000, userId: null };
    const version = await hooks.store.create('k1', write);
    expect(typeof version).toBe('string');
    expect(await hooks.store.create('k1', write), 'insert-only').toBeNull();
    expect((await store.get('k1'))?.data).toBe('one');
    expect((await hooks.store.get('k1'))?.data).toBe('one');
    expect(await hooks.store.touch('k1', now + 120_000)).toBe(true);
    await hooks.store.set('k1', { ...write, data: 'two' });
    await hooks.store.delete('k1');
    expect(await hooks.store.get('k1')).toBeNull();
    const counts = await hooks.storeCalls();
    // The direct store.get above is counted too: the counts are the app store's.
    expect(counts).toMatchObject({ create: 2, get: 3, touch: 1, set: 1, delete: 1 });
    await hooks.resetStoreCalls();
    expect(Object.values(await hooks.storeCalls()).every((count) => count === 0)).toBe(true);
  });

  it('answers 404 for anything else and 400 for a clock that is not a number', async () => {
    expect((await fetch(`${server.url}${PREFIX}/store/listByUser`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${server.url}${PREFIX}/clock`)).status).toBe(404);
    const bad = await fetch(`${server.url}${PREFIX}/clock`, { method: 'PUT', body: '{"now":"soon"}' });
    expect(bad.status).toBe(400);
    expect(now).toBe(1_061_000);
  });

  it('has no store routes for an app without a store (sealed cookies); the clock still moves', async () => {
    let clock = 0;
    const storeless = controlRoutes({
      setNow: (ms) => {
        clock = ms;
      },
    });
    const put = new Request('http://127.0.0.1/clock', { method: 'PUT', body: '{"now":5}' });
    expect((await storeless('PUT', '/clock', put)).status).toBe(200);
    expect(clock).toBe(5);
    const get = new Request('http://127.0.0.1/store-calls');
    expect((await storeless('GET', '/store-calls', get)).status).toBe(404);
    const create = new Request('http://127.0.0.1/store/create', { method: 'POST', body: '{"args":[]}' });
    expect((await storeless('POST', '/store/create', create)).status).toBe(404);
  });

  it('fails loudly when the app serves no control routes', async () => {
    await expect(remoteHooks(`${server.url}/elsewhere`)).rejects.toThrow(/answered no JSON: app/);
  });
});
